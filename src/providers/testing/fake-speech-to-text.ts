/**
 * Test double: a SpeechToText whose streams emit exactly the events a test pushes, and record the audio sent,
 * `finalize()` calls and `close()`. Never used in production.
 */
import type { SpeechToText, SttEvent, SttStream, SttStreamOptions } from '../stt.js';

export class FakeSttStream implements SttStream {
  readonly options: SttStreamOptions;
  readonly sent: Uint8Array[] = [];
  finalizeCalls = 0;
  closed = false;
  private readonly queue: SttEvent[] = [];
  private failure: unknown;
  private wake: (() => void) | undefined;

  constructor(options: SttStreamOptions) {
    this.options = options;
    options.signal?.addEventListener(
      'abort',
      () => {
        this.close().catch(() => undefined);
      },
      { once: true },
    );
  }

  get sentBytes(): number {
    return this.sent.reduce((n, c) => n + c.byteLength, 0);
  }

  /** Deliver an event to `events()`. */
  push(...events: SttEvent[]): void {
    if (this.closed) return;
    this.queue.push(...events);
    this.notify();
  }

  /** End `events()` by throwing `error` (after the events already pushed). */
  fail(error: unknown): void {
    this.failure = error;
    this.notify();
  }

  send(audio: Uint8Array): void {
    if (!this.closed) this.sent.push(audio);
  }

  finalize(): void {
    if (!this.closed) this.finalizeCalls++;
  }

  async *events(): AsyncGenerator<SttEvent> {
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        yield event;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

export class FakeSpeechToText implements SpeechToText {
  readonly name: string;
  readonly streams: FakeSttStream[] = [];
  /** When set, the next `open()` rejects with it (then it clears). */
  openError: unknown;

  constructor(name = 'fake-stt') {
    this.name = name;
  }

  /** The most recently opened stream. */
  get last(): FakeSttStream | undefined {
    return this.streams.at(-1);
  }

  async open(opts: SttStreamOptions): Promise<FakeSttStream> {
    if (this.openError !== undefined) {
      const err = this.openError;
      this.openError = undefined;
      throw err;
    }
    const stream = new FakeSttStream(opts);
    this.streams.push(stream);
    return stream;
  }
}

/** A transcript event with sensible defaults (words spaced 300 ms apart from `startMs`). */
export function sttTranscript(
  text: string,
  opts: { isFinal?: boolean; speechFinal?: boolean; fromFinalize?: boolean; startMs?: number; confidence?: number } = {},
): SttEvent {
  const startMs = opts.startMs ?? 0;
  const confidence = opts.confidence ?? 0.95;
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .map((word, i) => ({ word, startMs: startMs + i * 300, endMs: startMs + i * 300 + 250, confidence }));
  return {
    type: 'transcript',
    isFinal: opts.isFinal ?? true,
    speechFinal: opts.speechFinal ?? false,
    fromFinalize: opts.fromFinalize ?? false,
    text,
    confidence,
    words,
    startMs,
    durationMs: words.length ? (words.at(-1)?.endMs ?? startMs) - startMs : 0,
  };
}
