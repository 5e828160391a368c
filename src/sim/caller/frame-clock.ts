/**
 * A drift-free periodic clock for the call's 20 ms frames (÷ speed). Frame n is due at start + n·period, never
 * "last fire + period", so timer lateness does not accumulate: a late wake-up runs every frame already due, in
 * order, each with its own scheduled time.
 */
export class FrameClock {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextAt = 0;
  private running = false;

  constructor(
    private readonly periodMs: number,
    /** Runs once per frame with the frame's scheduled time (performance.now() scale). */
    private readonly onFrame: (scheduledAt: number) => void,
    /** Runs after each batch of frames (one timer wake-up). */
    private readonly afterBatch: () => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.nextAt = performance.now();
    this.wake();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wake = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.running && this.nextAt <= now) {
      this.onFrame(this.nextAt);
      this.nextAt += this.periodMs;
    }
    if (!this.running) return;
    this.afterBatch();
    if (this.running) this.timer = setTimeout(this.wake, Math.max(0, this.nextAt - performance.now()));
  };
}
