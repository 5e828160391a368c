/** Time and timers for the voice core, injectable so stage tests run on virtual time (the pacer's clock). */
import { realClock, type PacerClock } from '../audio/pacer.js';

export type VoiceClock = PacerClock;
export const systemClock: VoiceClock = realClock;

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
