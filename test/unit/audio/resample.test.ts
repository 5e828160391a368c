import { describe, expect, it } from 'vitest';
import {
  Downsampler2x,
  Upsampler2x,
  downsample2x,
  resampleLinear,
  upsample2x,
} from '../../../src/audio/resample.js';

function sine(freqHz: number, rateHz: number, seconds: number, amplitude = 10_000): Int16Array {
  const n = Math.round(rateHz * seconds);
  return Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / rateHz)));
}

/** Frequency from sign changes, skipping `skip` samples at each edge. */
function zeroCrossingHz(x: Int16Array, rateHz: number, skip = 64): number {
  let crossings = 0;
  for (let i = skip + 1; i < x.length - skip; i++) if ((x[i - 1]! < 0) !== (x[i]! < 0)) crossings++;
  return crossings / 2 / ((x.length - 2 * skip) / rateHz);
}

function rms(x: Int16Array, skip = 64): number {
  let sum = 0;
  for (let i = skip; i < x.length - skip; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (x.length - 2 * skip));
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('2x upsampling', () => {
  it('doubles the length, keeps frequency and amplitude', () => {
    const x = sine(440, 8000, 0.5);
    const y = upsample2x(x);
    expect(y.length).toBe(x.length * 2);
    expect(zeroCrossingHz(y, 16000)).toBeCloseTo(440, -1);
    expect(rms(y) / rms(x)).toBeGreaterThan(0.95);
    expect(rms(y) / rms(x)).toBeLessThan(1.02);
  });

  it('interpolates midpoints and keeps the original samples', () => {
    expect(Array.from(upsample2x(new Int16Array([0, 100, -100])))).toEqual([0, 0, 50, 100, 0, -100]);
  });

  it('streams frame by frame with the same output as one block', () => {
    const x = sine(1000, 8000, 0.2);
    const up = new Upsampler2x();
    const frames: Int16Array[] = [];
    const dst = new Int16Array(320);
    for (let at = 0; at < x.length; at += 160) frames.push(up.process(x.subarray(at, at + 160), dst).slice());
    expect(Array.from(concat(frames))).toEqual(Array.from(upsample2x(x)));
  });

  it('reuses the destination buffer and rejects a short one', () => {
    const dst = new Int16Array(8);
    expect(new Upsampler2x().process(new Int16Array(4), dst)).toBe(dst);
    expect(() => new Upsampler2x().process(new Int16Array(5), dst)).toThrow(RangeError);
  });
});

describe('2x downsampling', () => {
  it('halves the length, keeps in-band frequency and amplitude', () => {
    const x = sine(440, 16000, 0.5);
    const y = downsample2x(x);
    expect(y.length).toBe(x.length / 2);
    expect(zeroCrossingHz(y, 8000)).toBeCloseTo(440, -1);
    expect(rms(y) / rms(x)).toBeGreaterThan(0.95);
  });

  it('attenuates content above the new Nyquist that would fold back (the [1 2 1] response)', () => {
    // |H(f)| = (1 + cos(2πf/16000)) / 2: 0.15 at 6 kHz (would alias to 2 kHz), 0.04 at 7 kHz.
    const at6k = sine(6000, 16000, 0.5);
    expect(rms(downsample2x(at6k)) / rms(at6k)).toBeLessThan(0.17);
    const at7k = sine(7000, 16000, 0.5);
    expect(rms(downsample2x(at7k)) / rms(at7k)).toBeLessThan(0.05);
  });

  it('streams blocks of any length (odd included) with the same output as one block', () => {
    const x = sine(700, 16000, 0.1);
    const down = new Downsampler2x();
    const parts: Int16Array[] = [];
    let at = 0;
    for (const size of [7, 320, 1, 2, 161, 319]) {
      parts.push(down.process(x.subarray(at, at + size)).slice());
      at += size;
    }
    parts.push(down.process(x.subarray(at)).slice());
    expect(Array.from(concat(parts))).toEqual(Array.from(downsample2x(x)));
  });

  it('reset forgets the carried state', () => {
    const down = new Downsampler2x();
    down.process(new Int16Array([1000]));
    down.reset();
    expect(Array.from(down.process(new Int16Array([4, 4])))).toEqual([4]);
  });
});

describe('resampleLinear', () => {
  it('22050 → 8000 keeps a 1 kHz tone and its level', () => {
    const x = sine(1000, 22050, 1);
    const y = resampleLinear(x, 22050, 8000);
    expect(y.length).toBe(8000);
    expect(zeroCrossingHz(y, 8000)).toBeCloseTo(1000, -1);
    expect(rms(y) / rms(x)).toBeGreaterThan(0.9);
    expect(rms(y) / rms(x)).toBeLessThan(1.05);
  });

  it('22050 → 8000 suppresses a 6 kHz tone that would alias to 2 kHz', () => {
    const x = sine(6000, 22050, 1);
    const y = resampleLinear(x, 22050, 8000);
    expect(rms(y) / rms(x)).toBeLessThan(0.05);
  });

  it('8000 → 16000 keeps frequency', () => {
    const y = resampleLinear(sine(500, 8000, 0.5), 8000, 16000);
    expect(y.length).toBe(8000);
    expect(zeroCrossingHz(y, 16000)).toBeCloseTo(500, -1);
  });

  it('same rate copies; empty input gives empty output; bad rates throw', () => {
    const x = new Int16Array([1, 2, 3]);
    const same = resampleLinear(x, 8000, 8000);
    expect(Array.from(same)).toEqual([1, 2, 3]);
    expect(same).not.toBe(x);
    expect(resampleLinear(new Int16Array(0), 22050, 8000).length).toBe(0);
    expect(() => resampleLinear(x, 0, 8000)).toThrow(RangeError);
    expect(() => resampleLinear(x, 8000, Number.NaN)).toThrow(RangeError);
  });

  it('keeps full-scale input within 16 bits', () => {
    const x = new Int16Array(2000).map((_, i) => (i % 50 < 25 ? 32767 : -32768));
    const y = resampleLinear(x, 22050, 8000);
    expect(Math.max(...y)).toBeLessThanOrEqual(32767);
    expect(Math.min(...y)).toBeGreaterThanOrEqual(-32768);
  });
});
