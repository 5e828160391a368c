/** Port: text-to-speech producing Twilio-ready audio (mu-law, 8 kHz, mono, no header). */

export interface SynthesisOptions {
  signal?: AbortSignal;
  /** Vendor voice id; adapters have a configured default. */
  voiceId?: string;
  /** Called once with request-sent → first audio byte, in ms. */
  onFirstByte?: (elapsedMs: number) => void;
}

export interface WarmOptions {
  voiceId?: string;
  /** Releases whatever was prepared and not used (the reply ended or was interrupted). */
  signal?: AbortSignal;
}

export interface SpeechSynthesizer {
  readonly name: string;
  /** One utterance (a sentence or a few) → mu-law 8 kHz chunks, as soon as they are made. */
  synthesize(text: string, opts?: SynthesisOptions): AsyncIterable<Uint8Array>;
  /**
   * Token- or sentence-streamed text → audio, for replies still being generated. Adapters without a native
   * streaming input use `synthesizeSentences` below.
   */
  synthesizeStream(text: AsyncIterable<string>, opts?: SynthesisOptions): AsyncIterable<Uint8Array>;
  /**
   * Optional: a `synthesize` for this voice will probably follow soon (a reply is being written). An adapter that
   * can connects now, so the sentence does not wait for a connection. Never throws; a no-op where unsupported.
   */
  warm?(opts?: WarmOptions): void;
}

/** Default `synthesizeStream`: one `synthesize` call per text piece, in order, honouring abort between pieces. */
export async function* synthesizeSentences(
  tts: Pick<SpeechSynthesizer, 'synthesize'>,
  pieces: AsyncIterable<string>,
  opts: SynthesisOptions = {},
): AsyncIterable<Uint8Array> {
  let first = true;
  const started = performance.now();
  for await (const piece of pieces) {
    if (opts.signal?.aborted) return;
    if (!piece.trim()) continue;
    const onFirstByte = first ? () => opts.onFirstByte?.(performance.now() - started) : undefined;
    first = false;
    yield* tts.synthesize(piece, { ...opts, onFirstByte });
  }
}
