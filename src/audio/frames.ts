/**
 * Telephony framing: Twilio Media Streams audio is mu-law, 8 kHz, mono, one byte per sample, so a 20 ms frame
 * is 160 bytes. Inbound frame sizes are not promised by Twilio, so consumers must not depend on 160; outbound we
 * send 20 ms frames because that is the pacing granularity.
 */
import { MULAW_SILENCE } from './mulaw.js';

export const TELEPHONY_SAMPLE_RATE_HZ = 8000;
export const FRAME_MS = 20;
export const FRAMES_PER_SECOND = 1000 / FRAME_MS;
/** mu-law bytes (= samples) in one 20 ms frame at 8 kHz. */
export const FRAME_BYTES = (TELEPHONY_SAMPLE_RATE_HZ * FRAME_MS) / 1000;

/** Duration of `bytes` mu-law samples at 8 kHz, in ms. */
export function mulawDurationMs(bytes: number): number {
  return (bytes * 1000) / TELEPHONY_SAMPLE_RATE_HZ;
}

/**
 * Re-chunks arbitrary mu-law chunks into exact 160-byte frames. Whole frames lying inside one input chunk are
 * returned as zero-copy views of it (do not mutate a chunk after pushing it); a frame straddling chunks is copied.
 * The trailing partial frame is held until more audio arrives or `flush()` pads it with mu-law silence.
 */
export class FrameSlicer {
  private readonly frameBytes: number;
  private pending: Uint8Array;
  private pendingLength = 0;

  constructor(frameBytes: number = FRAME_BYTES) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`invalid frame size ${frameBytes}`);
    this.frameBytes = frameBytes;
    this.pending = new Uint8Array(frameBytes);
  }

  /** Bytes held back waiting to complete a frame. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /** Adds a chunk; returns the frames it completes (possibly none). */
  push(chunk: Uint8Array): Uint8Array[] {
    const size = this.frameBytes;
    const frames: Uint8Array[] = [];
    let offset = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(size - this.pendingLength, chunk.length);
      this.pending.set(chunk.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      offset = take;
      if (this.pendingLength < size) return frames;
      frames.push(this.pending);
      // The completed buffer now belongs to the caller; start a fresh one.
      this.pending = new Uint8Array(size);
      this.pendingLength = 0;
    }
    while (chunk.length - offset >= size) {
      frames.push(chunk.subarray(offset, offset + size));
      offset += size;
    }
    const rest = chunk.length - offset;
    if (rest > 0) {
      this.pending.set(chunk.subarray(offset), 0);
      this.pendingLength = rest;
    }
    return frames;
  }

  /** Returns the held partial frame padded to full size with mu-law silence, or undefined if nothing is held. */
  flush(): Uint8Array | undefined {
    if (this.pendingLength === 0) return undefined;
    const frame = this.pending;
    frame.fill(MULAW_SILENCE, this.pendingLength);
    this.pending = new Uint8Array(this.frameBytes);
    this.pendingLength = 0;
    return frame;
  }

  /** Drops any held partial frame. */
  reset(): void {
    this.pendingLength = 0;
  }
}
