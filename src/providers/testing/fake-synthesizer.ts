/**
 * Test double: a SpeechSynthesizer producing deterministic pseudo-speech mu-law (`bytesPerChar` bytes per character),
 * with optional delays and scripted failures; honours abort; records every text. Never used in production.
 */
import { sleep } from '../../lib/abort.js';
import type { SpeechSynthesizer, SynthesisOptions } from '../tts.js';
import { synthesizeSentences } from '../tts.js';
import { chunkBytes, pseudoSpeechMulaw } from './pseudo-speech.js';

export interface FakeSynthesizerOptions {
  name?: string;
  /** Bytes of audio per character (8 bytes = 1 ms at 8 kHz). */
  bytesPerChar?: number;
  /** Bytes per yielded chunk. */
  chunkBytes?: number;
  firstByteDelayMs?: number;
  chunkDelayMs?: number;
}

interface Failure {
  error: unknown;
  afterChunks: number;
}

export class FakeSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  /** Every text passed to `synthesize` (including each piece of `synthesizeStream`). */
  readonly texts: string[] = [];
  /** Calls that stopped because their signal aborted. */
  aborted = 0;
  private readonly opts: Required<Omit<FakeSynthesizerOptions, 'name'>>;
  private nextFailures: Failure[] = [];
  private always: Failure | undefined;

  constructor(opts: FakeSynthesizerOptions = {}) {
    this.name = opts.name ?? 'fake-tts';
    this.opts = {
      bytesPerChar: opts.bytesPerChar ?? 80,
      chunkBytes: opts.chunkBytes ?? 160,
      firstByteDelayMs: opts.firstByteDelayMs ?? 0,
      chunkDelayMs: opts.chunkDelayMs ?? 0,
    };
  }

  /** Fail the next call with `error` after yielding `afterChunks` chunks (queue several for successive calls). */
  failNext(error: unknown, afterChunks = 0): this {
    this.nextFailures.push({ error, afterChunks });
    return this;
  }

  /** Fail every call until `heal()`. */
  failAlways(error: unknown, afterChunks = 0): this {
    this.always = { error, afterChunks };
    return this;
  }

  heal(): void {
    this.nextFailures = [];
    this.always = undefined;
  }

  /** The exact bytes `synthesize(text)` yields (for assertions). */
  audioFor(text: string): Uint8Array {
    return pseudoSpeechMulaw(text, { msPerChar: this.opts.bytesPerChar / 8 });
  }

  async *synthesize(text: string, opts: SynthesisOptions = {}): AsyncGenerator<Uint8Array> {
    this.texts.push(text);
    const failure = this.nextFailures.shift() ?? this.always;
    const started = performance.now();
    const { signal } = opts;
    try {
      if (this.opts.firstByteDelayMs) await sleep(this.opts.firstByteDelayMs, signal);
      const chunks = chunkBytes(this.audioFor(text), this.opts.chunkBytes);
      for (const [i, chunk] of chunks.entries()) {
        if (signal?.aborted) break;
        if (failure && i >= failure.afterChunks) throw failure.error;
        if (i === 0) opts.onFirstByte?.(performance.now() - started);
        else if (this.opts.chunkDelayMs) await sleep(this.opts.chunkDelayMs, signal);
        yield chunk;
      }
      if (failure && chunks.length <= failure.afterChunks && !signal?.aborted) throw failure.error;
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
    if (signal?.aborted) this.aborted++;
  }

  synthesizeStream(text: AsyncIterable<string>, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    return synthesizeSentences(this, text, opts);
  }
}
