/**
 * What Twilio does with the audio a server sends: buffer it in arrival order and play it at real time, echo each
 * mark once all audio queued before it has played, and on `clear` drop whatever has not played yet and echo every
 * pending mark at once. Time advances in ticks of one frame (the call's clock drives `tick`), so a mark comes
 * back at most one frame after its audio finished, as with Twilio.
 *
 * It also tracks when the agent is audibly speaking: an interval starts when audio starts playing and ends when
 * the buffer has stayed empty for the hangover (a server pacing at real time leaves small gaps between frames,
 * and when the call runs faster than real time every frame leaves one) or at once on `clear`.
 */
import { MULAW_SILENCE } from '../../audio/mulaw.js';

type QueueItem = { kind: 'audio'; bytes: Uint8Array; offset: number } | { kind: 'mark'; name: string };

export interface SpeakingInterval {
  /** Wall-clock ms (call clock) when audio started playing. */
  startMs: number;
  /** When the last audio of the interval finished (undefined while it lasts). */
  endMs?: number;
  /** Audio played in the interval, ms of audio. */
  audioMs: number;
  /** The interval ended because of a `clear`. */
  cleared: boolean;
}

export interface PlaybackEvents {
  /** Marks to echo, in order; `viaClear` when flushed by a clear rather than played out. */
  onMarkEchoes(names: string[], viaClear: boolean): void;
  onSpeakingStart(interval: SpeakingInterval): void;
  onSpeakingStop(interval: SpeakingInterval): void;
}

export class AgentPlayback {
  private readonly queue: QueueItem[] = [];
  private queuedBytes = 0;
  /** Marks passed during the last tick's frame: they echo when that frame has finished playing (next tick). */
  private crossed: string[] = [];
  private playedLastTick = 0;
  private readonly heardChunks: Uint8Array[] = [];
  private heardTotal = 0;
  private current: SpeakingInterval | undefined;
  /** Set while the buffer is dry inside an interval: when the last audio finished. */
  private dryAtMs: number | undefined;
  readonly intervals: SpeakingInterval[] = [];
  /** Tick time at which the most recent audio finished playing (or -Infinity). */
  lastAudioEndMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly events: PlaybackEvents,
    private readonly frameBytes: number,
    private readonly bytesPerMs: number,
    /** Wall-clock ms the buffer may stay dry before the agent counts as having stopped. */
    private readonly hangoverMs: number,
  ) {}

  /** Audio waiting to play, in bytes (= samples). */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  get heardBytes(): number {
    return this.heardTotal;
  }

  /** Bytes played by the most recent tick (0 when the buffer was dry). */
  get playedLastTickBytes(): number {
    return this.playedLastTick;
  }

  /** True from the first played frame until the hangover passes with nothing to play. */
  get speaking(): boolean {
    return this.current !== undefined;
  }

  get currentInterval(): SpeakingInterval | undefined {
    return this.current;
  }

  /** Everything played to the caller, concatenated (gaps are not included). */
  heard(): Uint8Array {
    const out = new Uint8Array(this.heardTotal);
    let at = 0;
    for (const c of this.heardChunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  enqueueAudio(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.queue.push({ kind: 'audio', bytes, offset: 0 });
    this.queuedBytes += bytes.length;
  }

  /** A mark from the server: echoed now if nothing is queued or playing, else when its audio has played. */
  enqueueMark(name: string): void {
    if (this.queue.length === 0 && this.crossed.length === 0 && this.playedLastTick === 0) {
      this.events.onMarkEchoes([name], false);
      return;
    }
    this.queue.push({ kind: 'mark', name });
  }

  /** Drops unplayed audio and echoes every pending mark; returns the audio dropped, ms. */
  clear(nowMs: number): number {
    const marks = [...this.crossed];
    for (const item of this.queue) if (item.kind === 'mark') marks.push(item.name);
    const droppedBytes = this.queuedBytes;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.crossed = [];
    if (marks.length > 0) this.events.onMarkEchoes(marks, true);
    if (this.current) this.stop(this.dryAtMs ?? nowMs, true);
    return droppedBytes / this.bytesPerMs;
  }

  /**
   * One frame of time passes: marks whose audio finished in the previous frame are echoed, then up to one frame of
   * audio plays (crossing marks, which echo next tick). Returns the frame the caller hears (silence-filled).
   */
  tick(nowMs: number): Uint8Array {
    if (this.crossed.length > 0) {
      const due = this.crossed;
      this.crossed = [];
      this.events.onMarkEchoes(due, false);
    }
    if (this.playedLastTick > 0) this.lastAudioEndMs = nowMs;
    const frame = new Uint8Array(this.frameBytes).fill(MULAW_SILENCE);
    let filled = 0;
    const headMarks: string[] = [];
    while (this.queue.length > 0) {
      const item = this.queue[0]!;
      if (item.kind === 'mark') {
        // A mark with no audio ahead of it in this tick has nothing left to wait for.
        (filled === 0 ? headMarks : this.crossed).push(item.name);
        this.queue.shift();
        continue;
      }
      if (filled === this.frameBytes) break;
      const take = Math.min(this.frameBytes - filled, item.bytes.length - item.offset);
      frame.set(item.bytes.subarray(item.offset, item.offset + take), filled);
      item.offset += take;
      filled += take;
      this.queuedBytes -= take;
      if (item.offset === item.bytes.length) this.queue.shift();
    }
    if (headMarks.length > 0) this.events.onMarkEchoes(headMarks, false);
    this.playedLastTick = filled;

    if (filled > 0) {
      this.heardChunks.push(frame.slice(0, filled));
      this.heardTotal += filled;
      this.dryAtMs = undefined;
      if (!this.current) {
        this.current = { startMs: nowMs, audioMs: 0, cleared: false };
        this.intervals.push(this.current);
        this.events.onSpeakingStart(this.current);
      }
      this.current.audioMs += filled / this.bytesPerMs;
    } else if (this.current) {
      this.dryAtMs ??= nowMs;
      if (nowMs - this.dryAtMs >= this.hangoverMs) this.stop(this.dryAtMs, false);
    }
    return frame;
  }

  /** The stream ended: closes the current speaking interval. */
  end(nowMs: number): void {
    if (this.current) this.stop(this.dryAtMs ?? nowMs, false);
  }

  private stop(endMs: number, cleared: boolean): void {
    const interval = this.current!;
    interval.endMs = endMs;
    interval.cleared = cleared;
    this.current = undefined;
    this.dryAtMs = undefined;
    this.events.onSpeakingStop(interval);
  }
}
