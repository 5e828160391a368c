/**
 * Sample-rate conversion for telephony audio. The 2x paths (8 ⇄ 16 kHz) run per 20 ms frame and are cheap
 * (linear interpolation up, a [1 2 1]/4 low-pass before decimation down); the stateful classes carry one sample
 * across frames so a stream of frames converts without seams. `resampleLinear` handles arbitrary ratios (eSpeak's
 * 22050 Hz → 8000 Hz) with a windowed-sinc low-pass before downsampling so high frequencies do not alias.
 */

function clamp16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

function outputBuffer(dst: Int16Array | undefined, n: number): Int16Array {
  if (!dst) return new Int16Array(n);
  if (dst.length < n) throw new RangeError(`output buffer holds ${dst.length} samples, need ${n}`);
  return dst.length === n ? dst : dst.subarray(0, n);
}

/**
 * Streaming 8 → 16 kHz upsampler (any rate → 2x). Output sample pairs are (midpoint(prev, x), x): a half-sample
 * delay in exchange for continuity across frame boundaries without look-ahead.
 */
export class Upsampler2x {
  private prev: number | undefined;

  process(src: Int16Array, dst?: Int16Array): Int16Array {
    const n = src.length;
    const out = outputBuffer(dst, n * 2);
    let prev = this.prev ?? (n > 0 ? src[0]! : 0);
    for (let i = 0; i < n; i++) {
      const x = src[i]!;
      out[2 * i] = (prev + x) >> 1;
      out[2 * i + 1] = x;
      prev = x;
    }
    if (n > 0) this.prev = prev;
    return out;
  }

  reset(): void {
    this.prev = undefined;
  }
}

/**
 * Streaming 16 → 8 kHz downsampler (any rate → half): y[i] = (x[2i-1] + 2·x[2i] + x[2i+1]) / 4. A cheap
 * low-pass (|H| = (1 + cos ω) / 2: −17 dB at 6 kHz, −3 dB at 2.9 kHz for 16 kHz input), fine for speech.
 */
export class Downsampler2x {
  /** x[2i-1] for the next output; the first output mirrors x[2i+1] instead. */
  private prevOdd: number | undefined;
  /** An even-indexed sample still waiting for its right neighbour (blocks of odd length). */
  private pendingEven: number | undefined;

  process(src: Int16Array, dst?: Int16Array): Int16Array {
    const n = (src.length + (this.pendingEven === undefined ? 0 : 1)) >> 1;
    const out = outputBuffer(dst, n);
    let pending = this.pendingEven;
    let prevOdd = this.prevOdd;
    let o = 0;
    for (let i = 0; i < src.length; i++) {
      const x = src[i]!;
      if (pending === undefined) {
        pending = x;
      } else {
        out[o++] = ((prevOdd ?? x) + 2 * pending + x + 2) >> 2;
        prevOdd = x;
        pending = undefined;
      }
    }
    this.pendingEven = pending;
    this.prevOdd = prevOdd;
    return out;
  }

  reset(): void {
    this.prevOdd = undefined;
    this.pendingEven = undefined;
  }
}

/** One-shot 2x upsampling (a fresh `Upsampler2x`). */
export function upsample2x(src: Int16Array, dst?: Int16Array): Int16Array {
  return new Upsampler2x().process(src, dst);
}

/** One-shot 2x downsampling of a whole buffer: every sample is used, the edges mirror their neighbour. */
export function downsample2x(src: Int16Array, dst?: Int16Array): Int16Array {
  const n = src.length >> 1;
  const out = outputBuffer(dst, n);
  for (let i = 0; i < n; i++) {
    const even = src[2 * i]!;
    const left = i > 0 ? src[2 * i - 1]! : src[2 * i + 1]!;
    const right = src[2 * i + 1]!;
    out[i] = (left + 2 * even + right + 2) >> 2;
  }
  return out;
}

const FIR_TAPS = 31;
const firCache = new Map<string, Float32Array>();

/** Hamming-windowed sinc low-pass, cutoff as a fraction of the input rate (0 < cutoff < 0.5), unit DC gain. */
function lowPassKernel(cutoff: number): Float32Array {
  const key = cutoff.toFixed(6);
  const cached = firCache.get(key);
  if (cached) return cached;
  const kernel = new Float32Array(FIR_TAPS);
  const mid = (FIR_TAPS - 1) / 2;
  let sum = 0;
  for (let i = 0; i < FIR_TAPS; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const window = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (FIR_TAPS - 1));
    kernel[i] = sinc * window;
    sum += kernel[i]!;
  }
  for (let i = 0; i < FIR_TAPS; i++) kernel[i]! /= sum;
  firCache.set(key, kernel);
  return kernel;
}

/**
 * Any rate → any rate, for whole buffers (TTS output, WAV files), not the per-frame path. Downsampling first
 * low-passes at 0.45 × the output rate (a 31-tap windowed sinc) so content above the new Nyquist is attenuated
 * rather than folded back; then linear interpolation picks the output samples. Output length is
 * floor(n · toHz / fromHz).
 */
export function resampleLinear(src: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (!(fromHz > 0) || !(toHz > 0) || !Number.isFinite(fromHz) || !Number.isFinite(toHz)) {
    throw new RangeError(`invalid sample rates ${fromHz} → ${toHz}`);
  }
  if (fromHz === toHz) return src.slice();
  const n = src.length;
  const outLen = Math.floor((n * toHz) / fromHz);
  const out = new Int16Array(outLen);
  if (n === 0 || outLen === 0) return out;

  let input: Float32Array;
  if (toHz < fromHz) {
    const kernel = lowPassKernel((0.45 * toHz) / fromHz);
    const half = (FIR_TAPS - 1) / 2;
    input = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < FIR_TAPS; k++) {
        // Clamp at the edges (repeat the end samples) instead of assuming silence beyond them.
        let j = i + k - half;
        j = j < 0 ? 0 : j >= n ? n - 1 : j;
        acc += kernel[k]! * src[j]!;
      }
      input[i] = acc;
    }
  } else {
    input = Float32Array.from(src);
  }

  const step = fromHz / toHz;
  for (let i = 0; i < outLen; i++) {
    const pos = i * step;
    const j = Math.floor(pos);
    const frac = pos - j;
    const a = input[j]!;
    const b = j + 1 < n ? input[j + 1]! : a;
    out[i] = clamp16(Math.round(a + (b - a) * frac));
  }
  return out;
}
