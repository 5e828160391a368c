/**
 * Outbound audio pacer. Replies arrive as mu-law chunks (from TTS, often faster than real time); the pacer sends
 * them to Twilio as 20 ms frames at real time plus a small lead (`maxLeadMs`, default 100 ms, at most 200 ms), so
 * Twilio's own buffer stays short and `clear` silences the caller almost at once. After each chunk's last frame it
 * emits the mark `<replyId>:<chunkIndex>`.
 *
 * Schedule: `nextPlayAtMs` estimates when the next frame will start playing at Twilio. A frame is due when the end
 * of its audio is `maxLeadMs` ahead of now (so Twilio never holds more than `maxLeadMs` of our audio); after
 * sending, `nextPlayAtMs` advances by the frame's duration, never by measured
 * time, so timer lateness does not accumulate (a late timer sends every frame already due). If the estimate falls
 * behind the clock, Twilio's buffer has run dry and the schedule restarts from now.
 *
 * Each chunk is sliced independently and its last frame may be shorter than 20 ms (Twilio plays media messages of
 * any size), so marks fall exactly on chunk boundaries without padding silence into the middle of a reply.
 */
import { FRAME_BYTES, mulawDurationMs } from './frames.js';
import { markName } from './marks.js';

export interface PacerClock {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface FrameMeta {
  replyId: string;
  chunkIndex: number;
  /** When the schedule wanted this frame sent (clock ms). */
  dueAtMs: number;
  /** When it was sent (clock ms). */
  sentAtMs: number;
  /** Estimated time the caller starts hearing this frame (clock ms). */
  playAtMs: number;
  durationMs: number;
}

/**
 * Sink callbacks run synchronously inside the pacer and must not throw. They may call `push`, `clear`, `close`.
 * `onFrame`'s `frame` and `meta` are only valid during the call (meta is one object reused for every frame, so the
 * hot path allocates nothing for it): copy what you keep.
 */
export interface PacerSink {
  onFrame(frame: Uint8Array, meta: FrameMeta): void;
  onMark(name: string): void;
  /** The queue emptied after sending its last frame (not called for `clear`). */
  onDrained?(info: { playbackEndsAtMs: number }): void;
}

export interface PacerOptions {
  /** Most audio (ms) handed to Twilio ahead of real time; clamped to [one frame, 200]. */
  maxLeadMs?: number;
  frameBytes?: number;
  clock?: PacerClock;
  /** Called for each timer-driven frame with (sent time − due time); cheap enough for a histogram. */
  onJitter?: (jitterMs: number) => void;
}

export interface DroppedChunk {
  replyId: string;
  chunkIndex: number;
  /** Bytes of this chunk that were never sent. */
  unsentBytes: number;
  /** True when some of its frames had already been sent. */
  partiallySent: boolean;
}

interface QueuedChunk {
  replyId: string;
  chunkIndex: number;
  bytes: Uint8Array;
  offset: number;
}

export const DEFAULT_MAX_LEAD_MS = 100;
export const MAX_LEAD_CAP_MS = 200;
/**
 * Node timers run on the event loop's cached integer-ms clock, so they can fire up to ~1 ms early relative to
 * `performance.now()`. Frames this close to due are sent rather than re-armed (a re-arm costs ≥ 1 ms of lateness);
 * Twilio then briefly holds up to `maxLeadMs` + 2 ms.
 */
const EARLY_TOLERANCE_MS = 2;

export class Pacer {
  private readonly sink: PacerSink;
  private readonly clock: PacerClock;
  private readonly maxLeadMs: number;
  private readonly frameBytes: number;
  private readonly onJitter: ((jitterMs: number) => void) | undefined;
  private queue: QueuedChunk[] = [];
  private head = 0;
  private nextPlayAtMs = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private timerDueAtMs = 0;
  private closed = false;
  private sending = false;
  /** Bumped by `clear()`, so a clear from inside a sink callback is noticed by the running send loop. */
  private epoch = 0;
  /** The FrameMeta handed to every onFrame (see PacerSink). */
  private readonly meta: FrameMeta = { replyId: '', chunkIndex: 0, dueAtMs: 0, sentAtMs: 0, playAtMs: 0, durationMs: 0 };
  /** Jitter of the last timer-driven frame, ms. */
  lastJitterMs = 0;

  constructor(sink: PacerSink, opts: PacerOptions = {}) {
    this.sink = sink;
    this.clock = opts.clock ?? realClock;
    this.frameBytes = opts.frameBytes ?? FRAME_BYTES;
    const minLeadMs = mulawDurationMs(this.frameBytes);
    this.maxLeadMs = Math.min(MAX_LEAD_CAP_MS, Math.max(minLeadMs, opts.maxLeadMs ?? DEFAULT_MAX_LEAD_MS));
    this.onJitter = opts.onJitter;
  }

  /** True when nothing is queued. */
  get idle(): boolean {
    return this.head >= this.queue.length;
  }

  /** Unsent audio, ms. */
  get queuedMs(): number {
    let bytes = 0;
    for (let i = this.head; i < this.queue.length; i++) bytes += this.queue[i]!.bytes.length - this.queue[i]!.offset;
    return mulawDurationMs(bytes);
  }

  /** Estimated time the audio already sent finishes playing (clock ms); in the past when Twilio's buffer is dry. */
  get playbackEndsAtMs(): number {
    return this.nextPlayAtMs;
  }

  /**
   * Queues one chunk of a reply; its mark `<replyId>:<chunkIndex>` is emitted once all its frames are sent. An
   * empty chunk still produces its mark, in order. Returns false (and does nothing) after `close()`.
   */
  push(replyId: string, chunkIndex: number, bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.queue.push({ replyId, chunkIndex, bytes, offset: 0 });
    this.pump(false);
    return true;
  }

  /**
   * Drops everything queued, at once, and returns what was not (fully) sent. The caller sends Twilio's `clear`;
   * the schedule restarts with the next push because Twilio's buffer is then empty.
   */
  clear(): DroppedChunk[] {
    const dropped: DroppedChunk[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const c = this.queue[i]!;
      dropped.push({
        replyId: c.replyId,
        chunkIndex: c.chunkIndex,
        unsentBytes: c.bytes.length - c.offset,
        partiallySent: c.offset > 0,
      });
    }
    this.queue = [];
    this.head = 0;
    this.epoch++;
    this.cancelTimer();
    this.nextPlayAtMs = Number.NEGATIVE_INFINITY;
    return dropped;
  }

  /** Stops timers and drops the queue; later pushes are ignored. */
  close(): void {
    this.closed = true;
    this.clear();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Sends every frame that is due, then arms one timer for the next. */
  private pump(fromTimer: boolean): void {
    if (this.sending) return; // re-entrant push from a sink callback: the running loop picks it up
    this.sending = true;
    try {
      this.sendDue(fromTimer);
    } finally {
      this.sending = false;
      this.arm();
    }
  }

  private sendDue(fromTimer: boolean): void {
    while (!this.closed && this.head < this.queue.length) {
      const chunk = this.queue[this.head]!;
      if (chunk.offset >= chunk.bytes.length) {
        // Chunk fully sent (or empty): its mark follows its audio, then move on.
        this.head++;
        const epoch = this.epoch;
        this.sink.onMark(markName(chunk.replyId, chunk.chunkIndex));
        if (epoch !== this.epoch) continue; // cleared from the callback: nothing drained naturally
        if (this.head >= this.queue.length) {
          this.queue = [];
          this.head = 0;
          this.sink.onDrained?.({ playbackEndsAtMs: this.nextPlayAtMs });
        } else if (this.head > 64) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        continue;
      }
      const now = this.clock.now();
      if (this.nextPlayAtMs < now) this.nextPlayAtMs = now; // buffer ran dry: restart the schedule
      const end = Math.min(chunk.offset + this.frameBytes, chunk.bytes.length);
      const durationMs = mulawDurationMs(end - chunk.offset);
      const dueAtMs = this.nextPlayAtMs + durationMs - this.maxLeadMs;
      if (dueAtMs > now + EARLY_TOLERANCE_MS) return;
      const frame = chunk.bytes.subarray(chunk.offset, end);
      chunk.offset = end;
      const playAtMs = this.nextPlayAtMs;
      this.nextPlayAtMs += durationMs;
      if (fromTimer) {
        const jitter = now - dueAtMs;
        this.lastJitterMs = jitter;
        this.onJitter?.(jitter);
      }
      const meta = this.meta;
      meta.replyId = chunk.replyId;
      meta.chunkIndex = chunk.chunkIndex;
      meta.dueAtMs = dueAtMs;
      meta.sentAtMs = now;
      meta.playAtMs = playAtMs;
      meta.durationMs = durationMs;
      this.sink.onFrame(frame, meta);
    }
  }

  private arm(): void {
    if (this.closed || this.head >= this.queue.length) {
      this.cancelTimer();
      return;
    }
    const chunk = this.queue[this.head]!;
    const nextFrameMs = mulawDurationMs(Math.min(this.frameBytes, chunk.bytes.length - chunk.offset));
    const dueAtMs = Math.max(this.nextPlayAtMs, this.clock.now()) + nextFrameMs - this.maxLeadMs;
    if (this.timer !== undefined) {
      if (this.timerDueAtMs <= dueAtMs) return; // an earlier-or-equal timer is already armed
      this.cancelTimer();
    }
    this.timerDueAtMs = dueAtMs;
    const delayMs = Math.max(0, Math.floor(dueAtMs - this.clock.now()));
    this.timer = this.clock.setTimeout(this.onTimer, delayMs);
  }

  /** Bound once: arming the timer for each frame allocates no closure. */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.pump(true);
  };
}
