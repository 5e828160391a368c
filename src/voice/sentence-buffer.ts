/**
 * The sentences of one reply as the agent produces them. Playback reads them from any index, so a reply paused
 * by a suspected barge-in can resume from the first sentence the caller did not hear while generation goes on.
 */
export class SentenceBuffer {
  readonly sentences: string[] = [];
  private done = false;
  private wake: (() => void) | undefined;

  push(sentence: string): void {
    this.sentences.push(sentence);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  get ended(): boolean {
    return this.done;
  }

  get text(): string {
    return this.sentences.join(' ');
  }

  /** Sentences from `from` on, waiting for new ones until `end()` or abort. */
  async *from(from: number, signal: AbortSignal): AsyncGenerator<string> {
    let i = from;
    const onAbort = () => this.notify();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        if (i < this.sentences.length) {
          yield this.sentences[i++]!;
          continue;
        }
        if (this.done) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
