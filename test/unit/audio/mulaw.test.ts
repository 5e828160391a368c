import * as alawmulawModule from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import {
  MULAW_DECODE_TABLE,
  MULAW_SILENCE,
  decodeMulaw,
  decodeMulawSample,
  encodeMulaw,
  encodeMulawSample,
} from '../../../src/audio/mulaw.js';

const ref = ((alawmulawModule as unknown as { default?: typeof alawmulawModule }).default ?? alawmulawModule).mulaw;

const allCodes = Uint8Array.from({ length: 256 }, (_, i) => i);
const allSamples = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('mu-law tables', () => {
  it('decode table matches the reference codec for every code', () => {
    expect(Array.from(decodeMulaw(allCodes))).toEqual(Array.from(ref.decode(allCodes)));
    expect(decodeMulawSample(0x00)).toBe(-32124);
    expect(decodeMulawSample(0x80)).toBe(32124);
    expect(MULAW_DECODE_TABLE[MULAW_SILENCE]).toBe(0);
  });

  it('encode matches the reference codec for every 16-bit sample', () => {
    expect(Array.from(encodeMulaw(allSamples))).toEqual(Array.from(ref.encode(allSamples)));
  });

  it('encode(decode(code)) is the code itself, except negative zero (0x7f) which becomes 0xff', () => {
    const back = encodeMulaw(decodeMulaw(allCodes));
    for (let code = 0; code < 256; code++) expect(back[code]).toBe(code === 0x7f ? 0xff : code);
    // Decoding is idempotent for every code, including 0x7f.
    expect(Array.from(decodeMulaw(back))).toEqual(Array.from(decodeMulaw(allCodes)));
  });

  it('round-trip error stays within the logarithmic bound of each range', () => {
    const back = decodeMulaw(encodeMulaw(allSamples));
    const violations: string[] = [];
    let worstRel = 0;
    for (let i = 0; i < allSamples.length; i++) {
      const s = allSamples[i]!;
      const mag = Math.abs(s);
      const err = Math.abs(back[i]! - s);
      let ok: boolean;
      if (mag < 128) ok = err <= 8;
      else if (mag < 32125) {
        ok = err / mag <= 0.06;
        worstRel = Math.max(worstRel, err / mag);
      } else ok = back[i] === Math.sign(s) * 32124; // clipped at the top of the scale
      if (!ok) violations.push(`${s} -> ${back[i]}`);
    }
    expect(violations).toEqual([]);
    expect(worstRel).toBeGreaterThan(0.02); // the bound is tight, not vacuous
  });

  it('keeps sign and is monotonic', () => {
    const back = decodeMulaw(encodeMulaw(allSamples));
    let decreases = 0;
    for (let i = 1; i < back.length; i++) if (back[i]! < back[i - 1]!) decreases++;
    expect(decreases).toBe(0);
    expect(back[0]).toBeLessThan(0);
    expect(back[65535]).toBeGreaterThan(0);
  });
});

describe('single-sample helpers', () => {
  it('clamps and truncates out-of-range input', () => {
    expect(encodeMulawSample(100_000)).toBe(encodeMulawSample(32767));
    expect(encodeMulawSample(-100_000)).toBe(encodeMulawSample(-32768));
    expect(encodeMulawSample(1000.7)).toBe(encodeMulawSample(1000));
    expect(decodeMulawSample(0x1ff)).toBe(decodeMulawSample(0xff));
  });
});

describe('buffer reuse', () => {
  it('writes into a caller buffer of the exact size and returns it', () => {
    const dst = new Int16Array(4);
    const out = decodeMulaw(new Uint8Array([0, 0x80, 0xff, 0x7f]), dst);
    expect(out).toBe(dst);
    expect(Array.from(out)).toEqual([-32124, 32124, 0, 0]);
    const bytes = new Uint8Array(2);
    expect(encodeMulaw(new Int16Array([0, -1]), bytes)).toBe(bytes);
  });

  it('returns a view when the buffer is larger, and throws when it is too small', () => {
    const big = new Uint8Array(10).fill(7);
    const out = encodeMulaw(new Int16Array([0, 0]), big);
    expect(out.length).toBe(2);
    expect(out.buffer).toBe(big.buffer);
    expect(big[2]).toBe(7);
    expect(() => decodeMulaw(new Uint8Array(5), new Int16Array(4))).toThrow(RangeError);
    expect(() => encodeMulaw(new Int16Array(5), new Uint8Array(4))).toThrow(RangeError);
  });

  it('handles empty input', () => {
    expect(decodeMulaw(new Uint8Array(0)).length).toBe(0);
    expect(encodeMulaw(new Int16Array(0)).length).toBe(0);
  });
});
