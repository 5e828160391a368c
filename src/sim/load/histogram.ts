/**
 * A mergeable millisecond histogram for the load harness: 0.1 ms buckets up to 60 s (values above land in the last
 * bucket; the true max is kept), stored sparsely so a call's few hundred distinct values cost a few KB, and sent
 * across processes as [bucket, count] pairs (the caller processes send their jitter samples to the harness).
 */
const BUCKET_MS = 0.1;
const LAST_BUCKET = 600_000;

export interface SparseHistogram {
  pairs: [number, number][];
  count: number;
  sum: number;
  max: number;
}

export interface Quantiles {
  n: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export class LoadHistogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    const i = Math.min(LAST_BUCKET, Math.round(v / BUCKET_MS));
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1);
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  merge(other: SparseHistogram | LoadHistogram): void {
    const pairs = other instanceof LoadHistogram ? other.toSparse().pairs : other.pairs;
    for (const [i, n] of pairs) this.buckets.set(i, (this.buckets.get(i) ?? 0) + n);
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (const [i, n] of this.sorted()) {
      seen += n;
      if (seen >= rank) return Math.min(i * BUCKET_MS, this.max);
    }
    return this.max;
  }

  quantiles(): Quantiles {
    if (this.count === 0) return { n: 0 };
    const r = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10);
    return { n: this.count, p50: r(this.percentile(0.5)), p95: r(this.percentile(0.95)), p99: r(this.percentile(0.99)), max: r(this.max) };
  }

  toSparse(): SparseHistogram {
    return { pairs: this.sorted(), count: this.count, sum: this.sum, max: this.max };
  }

  private sorted(): [number, number][] {
    return [...this.buckets.entries()].sort((a, b) => a[0] - b[0]);
  }
}
