/**
 * Twilio's playback model, for stage tests and benchmarks that drive a CallSession without a socket: media is
 * buffered and played in real time, a mark echoes once the audio before it has played, and `clear` empties the
 * buffer and echoes every pending mark at once. Subclasses observe frames and clears through the hooks.
 */
import type { CallTransport } from '../voice/types.js';
import { mulawDurationMs } from '../audio/frames.js';

/** What the transport echoes marks to (a CallSession). */
export interface MarkSink {
  handleMark(name: string): void;
}

export class TwilioPlayback implements CallTransport {
  session: MarkSink | undefined;
  closed = false;
  /** Clock ms at which the audio handed over so far finishes playing. */
  protected playUntil = 0;
  private pending: { name: string; timer: ReturnType<typeof setTimeout> }[] = [];

  sendAudio(frame: Uint8Array): void {
    if (this.closed) return;
    const now = performance.now();
    this.onFrame(frame, now);
    this.playUntil = Math.max(this.playUntil, now) + mulawDurationMs(frame.length);
  }

  sendMark(name: string): void {
    if (this.closed) return;
    this.onMark(name, performance.now());
    const timer = setTimeout(() => {
      this.pending = this.pending.filter((p) => p.name !== name);
      this.session?.handleMark(name);
    }, Math.max(0, this.playUntil - performance.now()));
    this.pending.push({ name, timer });
  }

  sendClear(): void {
    const now = performance.now();
    this.onClear(now);
    this.playUntil = now;
    const flushed = this.pending;
    this.pending = [];
    for (const p of flushed) {
      clearTimeout(p.timer);
      this.session?.handleMark(p.name);
    }
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending) clearTimeout(p.timer);
    this.pending = [];
  }

  /** Called before a frame is buffered (`playUntil` still excludes it). */
  protected onFrame(_frame: Uint8Array, _now: number): void {}
  protected onMark(_name: string, _now: number): void {}
  protected onClear(_now: number): void {}
}
