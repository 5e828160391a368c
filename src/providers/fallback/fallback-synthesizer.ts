/**
 * A SpeechSynthesizer over an ordered list that fails over before the first audio byte (see run-with-fallback).
 *
 * After the first byte, an error is rethrown rather than continuing the remaining text on the next synthesizer:
 * the byte position says little about which words were heard, and a mid-sentence change of voice is worse than a
 * clean failure the voice core already handles (the playback ledger knows what was heard; the failed provider is
 * marked unhealthy, so the next utterance goes to the next synthesizer).
 *
 * `synthesizeStream` buffers the text pieces it has read so a fallback synthesizer is given the whole text again.
 */
import type { SpeechSynthesizer, SynthesisOptions, WarmOptions } from '../tts.js';
import type { FallbackEventSink, ProviderStatus } from './health.js';
import { HealthBoard } from './health.js';
import { runWithFallback } from './run-with-fallback.js';

export interface FallbackSynthesizerOptions {
  /** Request start → first audio byte, per attempt. */
  firstByteTimeoutMs?: number;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** What a probe says. */
  probeText?: string;
  onEvent?: FallbackEventSink;
  /** The process board for this port: health found by one call is shared with every other call. */
  board?: HealthBoard<SpeechSynthesizer>;
}

export class FallbackSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  private readonly board: HealthBoard<SpeechSynthesizer>;
  private readonly firstByteTimeoutMs: number;

  constructor(synthesizers: readonly SpeechSynthesizer[], opts: FallbackSynthesizerOptions = {}) {
    this.firstByteTimeoutMs = opts.firstByteTimeoutMs ?? 4000;
    this.board = opts.board
      ? opts.board.child(synthesizers, opts.onEvent)
      : ttsHealthBoard(synthesizers, {
          probeIntervalMs: opts.probeIntervalMs,
          probeTimeoutMs: opts.probeTimeoutMs ?? this.firstByteTimeoutMs,
          probeText: opts.probeText,
          onEvent: opts.onEvent,
        });
    this.name = `fallback(${this.board.entries.map((e) => e.name).join(',')})`;
  }

  synthesize(text: string, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    return this.run(opts, (tts, o) => tts.synthesize(text, o));
  }

  async *synthesizeStream(text: AsyncIterable<string>, opts: SynthesisOptions = {}): AsyncGenerator<Uint8Array> {
    const source = new ReplayableText(text);
    try {
      yield* this.run(opts, (tts, o) => tts.synthesizeStream(source.reader(), o), (err) => source.isSourceError(err));
    } finally {
      source.release();
    }
  }

  /** Warms the synthesizer the next sentence will go to: the first healthy one, in configured order. */
  warm(opts?: WarmOptions): void {
    this.board.order()[0]?.provider.warm?.(opts);
  }

  isHealthy(name: string): boolean {
    return this.board.isHealthy(name);
  }

  status(): ProviderStatus[] {
    return this.board.status();
  }

  close(): void {
    this.board.close();
  }

  private run(
    opts: SynthesisOptions,
    start: (tts: SpeechSynthesizer, opts: SynthesisOptions) => AsyncIterable<Uint8Array>,
    isForeignError?: (err: unknown) => boolean,
  ): AsyncIterable<Uint8Array> {
    const startedAt = performance.now();
    // First byte is timed across attempts, so the figure includes any failover.
    const { onFirstByte, ...rest } = opts;
    return runWithFallback<SpeechSynthesizer, Uint8Array>({
      board: this.board,
      port: 'tts',
      signal: opts.signal,
      firstOutputTimeoutMs: this.firstByteTimeoutMs,
      start: (tts, signal) => start(tts, { ...rest, signal }),
      isOutput: (chunk) => chunk.byteLength > 0,
      isForeignError,
      onCommit: () => onFirstByte?.(performance.now() - startedAt),
    });
  }
}

/** The health board for a list of synthesizers (the process board, or a wrapper's own). */
export function ttsHealthBoard(
  synthesizers: readonly SpeechSynthesizer[],
  opts: { probeIntervalMs?: number; probeTimeoutMs?: number; probeText?: string; onEvent?: FallbackEventSink } = {},
): HealthBoard<SpeechSynthesizer> {
  const probeText = opts.probeText ?? 'OK.';
  return new HealthBoard(synthesizers, {
    port: 'tts',
    probe: (tts, signal) => probeSynthesizer(tts, probeText, signal),
    probeIntervalMs: opts.probeIntervalMs ?? 10_000,
    probeTimeoutMs: opts.probeTimeoutMs ?? 4000,
    onEvent: opts.onEvent,
  });
}

async function probeSynthesizer(tts: SpeechSynthesizer, text: string, signal: AbortSignal): Promise<void> {
  for await (const chunk of tts.synthesize(text, { signal })) if (chunk.byteLength > 0) return;
  throw new Error('probe produced no audio');
}

/** One text source read by several attempts in turn: pieces already read are replayed to each new reader. */
class ReplayableText {
  private readonly pieces: string[] = [];
  private readonly it: AsyncIterator<string>;
  private done = false;
  private error: { value: unknown } | undefined;
  private pending: Promise<void> | undefined;

  constructor(source: AsyncIterable<string>) {
    this.it = source[Symbol.asyncIterator]();
  }

  isSourceError(err: unknown): boolean {
    return this.error !== undefined && this.error.value === err;
  }

  /** A fresh reader: every piece read so far, then the rest of the source. */
  async *reader(): AsyncGenerator<string> {
    for (let i = 0; ; ) {
      if (i < this.pieces.length) {
        yield this.pieces[i++] as string;
        continue;
      }
      if (this.error) throw this.error.value;
      if (this.done) return;
      await this.pull();
    }
  }

  release(): void {
    if (!this.done) {
      this.done = true;
      this.it.return?.()?.catch(() => {});
    }
  }

  private pull(): Promise<void> {
    // Shared, so an abandoned reader still waiting on the source and its successor never read a piece twice.
    this.pending ??= this.it.next().then(
      (r) => {
        this.pending = undefined;
        if (r.done) this.done = true;
        else this.pieces.push(r.value);
      },
      (err: unknown) => {
        this.pending = undefined;
        this.error = { value: err };
      },
    );
    return this.pending;
  }
}
