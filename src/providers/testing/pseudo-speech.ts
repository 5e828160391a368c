/**
 * Deterministic, non-silent mu-law 8 kHz "speech" for simulators and test doubles: one voiced syllable per
 * character (a pitch that varies with the character, under a smooth envelope), so durations scale with the text and
 * the bytes are valid G.711 mu-law that a decoder turns back into audible sound.
 */

import { encodeMulawSample } from '../../audio/mulaw.js';

const SAMPLE_RATE_HZ = 8000;
// The audio path's own codec: one encoder in the codebase.
export { encodeMulawSample };

/** The mu-law byte for digital silence (PCM 0). */
export const MULAW_SILENCE = encodeMulawSample(0);

export interface PseudoSpeechOptions {
  /** Audio length per character of text. */
  msPerChar?: number;
  /** Peak amplitude (PCM16); a quiet default so it is not unpleasant if played. */
  amplitude?: number;
}

/** mu-law 8 kHz audio whose length is `text.length * msPerChar`. Same text → same bytes. */
export function pseudoSpeechMulaw(text: string, opts: PseudoSpeechOptions = {}): Uint8Array {
  const msPerChar = opts.msPerChar ?? 60;
  const amplitude = opts.amplitude ?? 6000;
  const samplesPerChar = Math.max(1, Math.round((msPerChar * SAMPLE_RATE_HZ) / 1000));
  const out = new Uint8Array(samplesPerChar * text.length);
  for (let c = 0; c < text.length; c++) {
    const code = text.charCodeAt(c);
    // Spaces and punctuation are short pauses (quiet, not silent), letters are voiced.
    const voiced = /[\p{L}\p{N}]/u.test(text[c] ?? '');
    const freqHz = 110 + (code % 24) * 9;
    const peak = voiced ? amplitude : amplitude / 20;
    for (let i = 0; i < samplesPerChar; i++) {
      const envelope = Math.sin((Math.PI * (i + 0.5)) / samplesPerChar);
      const t = (c * samplesPerChar + i) / SAMPLE_RATE_HZ;
      const sample = peak * envelope * (0.7 * Math.sin(2 * Math.PI * freqHz * t) + 0.3 * Math.sin(4 * Math.PI * freqHz * t));
      out[c * samplesPerChar + i] = encodeMulawSample(sample);
    }
  }
  return out;
}

/** Splits `bytes` into views of at most `chunkBytes` (no copy). */
export function chunkBytes(bytes: Uint8Array, chunkBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  return chunks;
}
