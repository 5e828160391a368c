/**
 * Audio held while the socket is down, replayed after a reconnect. Bounded by duration: when full, the oldest audio
 * goes first (the newest speech matters most for the turn in progress).
 */
export class ReplayBuffer {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private droppedBytesTotal = 0;

  constructor(
    private readonly bytesPerMs: number,
    private readonly maxMs: number,
    /** 2 for linear16: trims happen on sample boundaries. */
    private readonly bytesPerSample = 1,
  ) {}

  get bufferedMs(): number {
    return this.bytes / this.bytesPerMs;
  }

  /** Audio thrown away because the buffer was full, over the stream's life. */
  get droppedMs(): number {
    return this.droppedBytesTotal / this.bytesPerMs;
  }

  /** Copies `audio`: callers may reuse their buffers. */
  push(audio: Uint8Array): void {
    this.chunks.push(audio.slice());
    this.bytes += audio.byteLength;
    const maxBytes = this.maxMs * this.bytesPerMs;
    while (this.bytes > maxBytes && this.chunks.length > 0) {
      const over = this.bytes - maxBytes;
      const head = this.chunks[0]!;
      if (head.byteLength <= over) {
        this.chunks.shift();
        this.bytes -= head.byteLength;
        this.droppedBytesTotal += head.byteLength;
      } else {
        // Trim on a sample boundary so linear16 stays aligned.
        const cut = Math.ceil(over / this.bytesPerSample) * this.bytesPerSample;
        this.chunks[0] = head.subarray(cut);
        this.bytes -= cut;
        this.droppedBytesTotal += cut;
      }
    }
  }

  /** Everything buffered, oldest first; empties the buffer. */
  drain(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return out;
  }
}
