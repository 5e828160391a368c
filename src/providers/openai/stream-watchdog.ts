/**
 * Aborts a streaming request that is too slow: no first token within `firstTokenMs` of the request, or no chunk
 * for `stallMs` after that. The caller asks `expired` after the stream ends to tell a timeout from a clean end.
 */
export class StreamWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private reason: 'first_token' | 'stall' | undefined;
  private started = false;

  constructor(
    private readonly controller: AbortController,
    private readonly firstTokenMs: number,
    private readonly stallMs: number,
  ) {
    this.arm(firstTokenMs, 'first_token');
  }

  /** A token (text or tool-call data) arrived: from now on only stalls are watched. */
  token(): void {
    this.started = true;
    this.arm(this.stallMs, 'stall');
  }

  /** Any chunk arrived; before the first token it does not extend the first-token deadline. */
  chunk(): void {
    if (this.started) this.arm(this.stallMs, 'stall');
  }

  get expired(): 'first_token' | 'stall' | undefined {
    return this.reason;
  }

  describe(): string {
    return this.reason === 'stall'
      ? `stream stalled: no data for ${this.stallMs} ms`
      : `no first token within ${this.firstTokenMs} ms`;
  }

  /** The consumer holds an event: its slowness is not the server's, so the clock stops until `resume()`. */
  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (this.started) this.arm(this.stallMs, 'stall');
    else this.arm(this.firstTokenMs, 'first_token');
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number, reason: 'first_token' | 'stall'): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reason = reason;
      this.controller.abort(new Error(this.describe()));
    }, ms);
  }
}
