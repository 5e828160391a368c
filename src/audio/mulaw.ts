/**
 * G.711 mu-law ⇄ PCM16 via lookup tables built once from alawmulaw's reference codec. Twilio Media Streams carry
 * mu-law 8 kHz mono; this runs for every 20 ms frame of every call, so the hot paths are a table lookup per
 * sample and can write into caller-owned buffers (no allocation per frame).
 */
import * as alawmulawModule from 'alawmulaw';

type MulawCodec = typeof alawmulawModule.mulaw;
// alawmulaw ships a UMD bundle that marks itself `__esModule`: Node ESM exposes it as `default`, while CJS-style
// interop (tsx on a .cts/CJS file, bundlers) exposes `mulaw` directly. Accept both so no loader breaks it.
const codecModule = alawmulawModule as unknown as { mulaw?: MulawCodec; default?: { mulaw?: MulawCodec } };
const mulaw: MulawCodec | undefined = codecModule.default?.mulaw ?? codecModule.mulaw;
if (!mulaw) throw new Error('alawmulaw: mulaw codec not found in the module exports');

/** The mu-law byte for digital silence (positive zero). */
export const MULAW_SILENCE = 0xff;

/** code (0..255) → PCM16 sample. */
export const MULAW_DECODE_TABLE: Int16Array = (() => {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = mulaw.decodeSample(code);
  return table;
})();

/** (PCM16 sample + 32768) → mu-law code. 64 KiB, exact for every 16-bit input. */
const ENCODE_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = mulaw.encodeSample(i - 32768) & 0xff;
  return table;
})();

export function decodeMulawSample(code: number): number {
  return MULAW_DECODE_TABLE[code & 0xff]!;
}

export function encodeMulawSample(sample: number): number {
  const clamped = sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample | 0;
  return ENCODE_TABLE[clamped + 32768]!;
}

/** mu-law bytes → PCM16. Writes into `dst` when given (it must hold `src.length` samples); returns the filled view. */
export function decodeMulaw(src: Uint8Array, dst?: Int16Array): Int16Array {
  const n = src.length;
  const out = outputView(dst, n, Int16Array);
  const table = MULAW_DECODE_TABLE;
  for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
  return out;
}

/** PCM16 → mu-law bytes. Writes into `dst` when given (it must hold `src.length` bytes); returns the filled view. */
export function encodeMulaw(src: Int16Array, dst?: Uint8Array): Uint8Array {
  const n = src.length;
  const out = outputView(dst, n, Uint8Array);
  const table = ENCODE_TABLE;
  // Int16Array values are already within range, so the index needs no clamping.
  for (let i = 0; i < n; i++) out[i] = table[src[i]! + 32768]!;
  return out;
}

function outputView<T extends Int16Array | Uint8Array>(
  dst: T | undefined,
  n: number,
  ctor: new (n: number) => T,
): T {
  if (!dst) return new ctor(n);
  if (dst.length < n) throw new RangeError(`output buffer holds ${dst.length} samples, need ${n}`);
  return (dst.length === n ? dst : dst.subarray(0, n)) as T;
}
