/** Time and timers for the voice core, injectable so stage tests run on virtual time. */
export interface VoiceClock {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: VoiceClock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** One re-armable timer. */
export class Timer {
  private handle: unknown;
  constructor(private readonly clock: VoiceClock) {}
  start(delayMs: number, fn: () => void): void {
    this.stop();
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      fn();
    }, delayMs);
  }
  stop(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }
  get armed(): boolean {
    return this.handle !== undefined;
  }
}
