/** Small statistics helpers for the benchmarks: exact percentiles of short samples, a fixed-bucket histogram. */

export interface Summary {
  n: number;
  p50?: number;
  p99?: number;
  max?: number;
  mean?: number;
}

/** Nearest-rank percentile (`p` in 0..1) of an ascending array. */
export function percentileOf(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: round2(percentileOf(sorted, 0.5)!),
    p99: round2(percentileOf(sorted, 0.99)!),
    max: round2(sorted.at(-1)!),
    mean: round2(mean),
  };
}

/**
 * Histogram of millisecond values in 0.01 ms buckets from `minMs` to `maxMs` (values outside are clamped into the
 * end buckets; the true max is kept). Fixed memory, so recording a sample per audio frame at 200 calls does not
 * grow the heap the memory figure is measuring.
 */
export class MsHistogram {
  private readonly buckets: Uint32Array;
  private readonly minMs: number;
  private count = 0;
  private sum = 0;
  private maxSeen = Number.NEGATIVE_INFINITY;

  constructor(minMs = -10, maxMs = 1000) {
    this.minMs = minMs;
    this.buckets = new Uint32Array(Math.ceil((maxMs - minMs) * 100) + 1);
  }

  record(ms: number): void {
    const i = Math.min(this.buckets.length - 1, Math.max(0, Math.round((ms - this.minMs) * 100)));
    this.buckets[i]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.maxSeen) this.maxSeen = ms;
  }

  get n(): number {
    return this.count;
  }

  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return this.minMs + i / 100;
    }
    return this.maxSeen;
  }

  summary(): Summary {
    if (this.count === 0) return { n: 0 };
    return {
      n: this.count,
      p50: round2(this.percentile(0.5)!),
      p99: round2(this.percentile(0.99)!),
      max: round2(this.maxSeen),
      mean: round2(this.sum / this.count),
    };
  }
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
