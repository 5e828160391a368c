/**
 * The caller's audio on its way to the speech-to-text socket. Every message is a WebSocket frame and a write
 * syscall, and the caller's audio flows all call long: sent frame by frame, it was twice the CPU of the agent's
 * own audio out (docs/operations/capacity.md). So while the caller is quiet and nothing the recogniser decides
 * depends on timing, frames are gathered into messages of up to `batchMs`.
 *
 * Never at the cost of latency: a voiced frame sends what is held, and itself, at once; then frames go one by one
 * until `holdMs` of quiet have passed, so the recogniser's endpointing (speech_final after ~300 ms of silence), its
 * utterance end (~1 s) and the first words of a barge-in reach it as they would frame by frame. Quiet audio that is
 * speech after all (a voice our VAD takes for the noise floor) reaches it at most `batchMs` late.
 */
import { FRAME_MS } from '../audio/frames.js';

export interface SttFeedOptions {
  /** Most audio held in one message while the caller is quiet; ≤ one frame sends every frame at once. */
  batchMs: number;
  /** Quiet after the last voiced frame before holding starts (cover the recogniser's endpointing and utterance end). */
  holdMs: number;
  /** Bytes per ms of the stream's audio (mu-law 8 kHz: 8). */
  bytesPerMs: number;
}

export const STT_FEED_DEFAULTS = { batchMs: 100, holdMs: 1500, bytesPerMs: 8 } as const;

export class SttFeed {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private readonly batchBytes: number;
  /** Stream time (ms) at which the last voiced frame ended; -Infinity before any voice (the opening: hold). */
  private lastVoicedEndMs = Number.NEGATIVE_INFINITY;
  private messages = 0;
  private frames = 0;

  constructor(
    private readonly send: (audio: Uint8Array) => void,
    private readonly opts: SttFeedOptions = STT_FEED_DEFAULTS,
  ) {
    this.batchBytes = Math.max(0, Math.floor(opts.batchMs * opts.bytesPerMs));
  }

  /** One frame of caller audio at stream time `startMs`; `voiced`: the VAD heard speech or something near it. */
  push(frame: Uint8Array, startMs: number, voiced: boolean): void {
    this.frames++;
    const endMs = startMs + (frame.byteLength / this.opts.bytesPerMs || FRAME_MS);
    if (voiced) this.lastVoicedEndMs = endMs;
    const holding = !voiced && frame.byteLength < this.batchBytes && endMs - this.lastVoicedEndMs >= this.opts.holdMs;
    if (!holding) {
      this.flush();
      this.emit(frame);
      return;
    }
    this.held.push(frame);
    this.heldBytes += frame.byteLength;
    if (this.heldBytes >= this.batchBytes) this.flush();
  }

  /** Sends what is held (before a finalize, a close, or the end of the call). */
  flush(): void {
    if (this.held.length === 0) return;
    const out = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    this.emit(out);
  }

  /** Frames pushed and messages sent so far (their ratio is the saving). */
  get counts(): { frames: number; messages: number } {
    return { frames: this.frames, messages: this.messages };
  }

  private emit(audio: Uint8Array): void {
    this.messages++;
    this.send(audio);
  }
}
