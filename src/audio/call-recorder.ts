/**
 * The call's audio as a two-channel 8 kHz PCM16 WAV (left: the caller, right: the agent), streamed to a file so a
 * long call never sits in memory (the budget is < 1 MB per call).
 *
 * Clock: Twilio sends inbound frames continuously (silence included), so each inbound frame writes one interleaved
 * block of its length: left = the decoded frame, right = the agent audio actually sent since the previous inbound
 * frame, taken from a small FIFO (silence when it is empty; beyond its cap the oldest audio is dropped, so a burst
 * of outbound frames cannot drift the agent's channel away from the caller's).
 *
 * Blocks gather in a chunk of about half a second and are written a chunk at a time: a write per 20 ms frame was a
 * thread-pool round trip per frame and a fifth of a web worker's CPU under load (docs/operations/capacity.md).
 *
 * Never throws into the call: a disk error (or a disk too slow to keep up) ends the recording, deletes the partial
 * file and reports once through `onStopped`; the call goes on.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { MULAW_DECODE_TABLE } from './mulaw.js';
import { writeWavPcm16 } from './wav.js';
import { FRAME_BYTES, TELEPHONY_SAMPLE_RATE_HZ } from './frames.js';

const CHANNELS = 2;
/** Bytes of WAV data per interleaved sample pair (two PCM16 samples). */
const BYTES_PER_SAMPLE_PAIR = 2 * CHANNELS;
const HEADER_BYTES = 44;
/** Agent frames held for the next inbound frames; more than this is a burst and the oldest audio is dropped. */
export const RECORDER_FIFO_FRAMES = 4;
/** Bytes queued in the write stream beyond which the disk is too slow and the recording stops (memory bound). */
export const RECORDER_MAX_QUEUED_BYTES = 256 * 1024;
/** Bytes gathered before a write: 16 KiB is 0.5 s of 8 kHz stereo PCM16. */
export const RECORDER_CHUNK_BYTES = 16 * 1024;

export interface CallRecorderOptions {
  /** The file to write (its folder must exist). */
  file: string;
  /** The recording stopped early (disk error, disk too slow); called at most once, the call goes on. */
  onStopped?: (reason: string, err: unknown) => void;
  fifoFrames?: number;
  maxQueuedBytes?: number;
  chunkBytes?: number;
}

export interface FinishedRecording {
  file: string;
  /** File size, header included. */
  bytes: number;
  durationMs: number;
}

export class CallRecorder {
  private readonly out: WriteStream;
  /** Agent mu-law bytes not yet written, as a ring. */
  private readonly fifo: Uint8Array;
  private readonly chunkBytes: number;
  /** Blocks not yet handed to the stream; a fresh chunk after each write (the stream holds the old one until written). */
  private chunk: Buffer;
  private chunkUsed = 0;
  private head = 0;
  private queued = 0;
  private dataBytes = 0;
  /** Agent bytes dropped because the FIFO was full. */
  droppedAgentBytes = 0;
  private stopped = false;
  private finishing: Promise<FinishedRecording | undefined> | undefined;
  private readonly closed: Promise<void>;

  constructor(private readonly opts: CallRecorderOptions) {
    this.fifo = new Uint8Array((opts.fifoFrames ?? RECORDER_FIFO_FRAMES) * FRAME_BYTES);
    this.chunkBytes = Math.max(FRAME_BYTES * BYTES_PER_SAMPLE_PAIR, opts.chunkBytes ?? RECORDER_CHUNK_BYTES);
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.out = createWriteStream(opts.file);
    this.closed = new Promise((resolve) => this.out.once('close', () => resolve()));
    this.out.on('error', (err) => this.stop('disk error', err));
    // The helper's header for an empty stereo file; the sizes are patched in `finish`.
    this.out.write(Buffer.from(writeWavPcm16(new Int16Array(0), TELEPHONY_SAMPLE_RATE_HZ, CHANNELS)));
  }

  /** Milliseconds of audio written so far. */
  get durationMs(): number {
    return (this.dataBytes / BYTES_PER_SAMPLE_PAIR / TELEPHONY_SAMPLE_RATE_HZ) * 1000;
  }

  get active(): boolean {
    return !this.stopped && !this.finishing;
  }

  /** An inbound (caller) frame: writes one block, pairing it with the agent audio sent since the previous one. */
  inbound(frame: Uint8Array): void {
    if (this.stopped || this.finishing) return;
    try {
      const n = frame.length;
      const blockBytes = n * BYTES_PER_SAMPLE_PAIR;
      if (this.chunkUsed + blockBytes > this.chunk.length) this.flush();
      // A frame larger than a chunk (never from Twilio) gets a chunk of its own.
      if (blockBytes > this.chunk.length) this.chunk = Buffer.allocUnsafe(blockBytes);
      const block = this.chunk;
      const at = this.chunkUsed;
      const table = MULAW_DECODE_TABLE;
      const fifo = this.fifo;
      const cap = fifo.length;
      let head = this.head;
      const take = Math.min(this.queued, n);
      for (let i = 0; i < n; i++) {
        block.writeInt16LE(table[frame[i]!]!, at + i * BYTES_PER_SAMPLE_PAIR);
        let right = 0;
        if (i < take) {
          right = table[fifo[head]!]!;
          head = head + 1 === cap ? 0 : head + 1;
        }
        block.writeInt16LE(right, at + i * BYTES_PER_SAMPLE_PAIR + 2);
      }
      this.head = head;
      this.queued -= take;
      this.chunkUsed += blockBytes;
      this.dataBytes += blockBytes;
      if (this.chunkUsed >= this.chunkBytes) this.flush();
      // Everything held for the disk: what the stream still queues and the chunk being filled.
      const held = this.out.writableLength + this.chunkUsed;
      if (held > (this.opts.maxQueuedBytes ?? RECORDER_MAX_QUEUED_BYTES)) {
        this.stop('disk too slow', new Error(`${held} bytes waiting to be written`));
      }
    } catch (err) {
      this.stop('recording failed', err);
    }
  }

  /** An agent frame that was sent to the carrier: queued for the next inbound frames. */
  outbound(frame: Uint8Array): void {
    if (this.stopped || this.finishing) return;
    const fifo = this.fifo;
    const cap = fifo.length;
    let n = frame.length;
    let from = 0;
    if (n > cap) {
      // Only the newest `cap` bytes can ever be written.
      from = n - cap;
      this.droppedAgentBytes += from;
      n = cap;
    }
    const overflow = this.queued + n - cap;
    if (overflow > 0) {
      this.head = (this.head + overflow) % cap;
      this.queued -= overflow;
      this.droppedAgentBytes += overflow;
    }
    let tail = (this.head + this.queued) % cap;
    for (let i = from; i < frame.length; i++) {
      fifo[tail] = frame[i]!;
      tail = tail + 1 === cap ? 0 : tail + 1;
    }
    this.queued += n;
  }

  /** Hands the filled part of the chunk to the stream and starts a fresh chunk. */
  private flush(): void {
    if (this.chunkUsed === 0) return;
    this.out.write(this.chunk.subarray(0, this.chunkUsed));
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.chunkUsed = 0;
  }

  /**
   * Ends the recording: flushes the stream and patches the header with the real sizes. Resolves with the file, or
   * undefined when the recording had stopped (or fails now: reported through `onStopped`). Never rejects.
   */
  finish(): Promise<FinishedRecording | undefined> {
    this.finishing ??= this.finishNow();
    return this.finishing;
  }

  private async finishNow(): Promise<FinishedRecording | undefined> {
    if (this.stopped) return undefined;
    try {
      this.flush();
      await new Promise<void>((resolve, reject) => {
        this.out.once('error', reject);
        this.out.end(() => resolve());
      });
      await this.closed;
      if (this.stopped) return undefined;
      const sizes = Buffer.alloc(4);
      const fh = await open(this.opts.file, 'r+');
      try {
        sizes.writeUInt32LE(Math.min(0xffffffff, HEADER_BYTES - 8 + this.dataBytes), 0);
        await fh.write(sizes, 0, 4, 4);
        sizes.writeUInt32LE(Math.min(0xffffffff, this.dataBytes), 0);
        await fh.write(sizes, 0, 4, HEADER_BYTES - 4);
      } finally {
        await fh.close();
      }
      return { file: this.opts.file, bytes: HEADER_BYTES + this.dataBytes, durationMs: Math.round(this.durationMs) };
    } catch (err) {
      this.stop('disk error', err);
      return undefined;
    }
  }

  /** Ends the recording early: the partial file is deleted and the owner told once. */
  private stop(reason: string, err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.out.destroy();
    // After the close: a file still being opened would otherwise come back after the delete.
    this.closed.then(() => rm(this.opts.file, { force: true })).catch(() => undefined);
    try {
      this.opts.onStopped?.(reason, err);
    } catch {
      // the owner's report must not turn a lost recording into a fault of the call
    }
  }
}
