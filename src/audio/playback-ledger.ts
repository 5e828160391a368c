/**
 * What the caller actually heard of each reply, from the marks Twilio echoes.
 *
 * How echoes are used: every reply chunk is followed by a mark `<replyId>:<chunkIndex>`; Twilio echoes a mark
 * when the audio before it has finished playing, so an echo means "this whole chunk was heard", and its arrival
 * time is when the next chunk started playing. `clear` makes Twilio echo every pending mark at once, so
 * `cleared()` moves the marks pending at that moment into a flushing set: their echoes (whenever they arrive)
 * count as dropped, not heard, while marks sent after the clear (a new reply) count normally. Matching is by
 * name, not arrival order, so a new reply's echoes mixed with flushed ones are still told apart.
 *
 * A chunk that was playing when the clear went out was partly heard; `heard()` estimates that part as the time
 * from its start (the previous chunk's echo, or when the reply's first chunk was sent) to the clear. Only whole
 * chunks contribute text. An echo already in flight when the clear was sent is counted as flushed: the ledger errs
 * towards "not heard", which at worst makes the agent repeat itself rather than assume the caller heard something.
 */
import { markName, parseMarkName } from './marks.js';

type ChunkStatus = 'queued' | 'marked' | 'played' | 'flushed';

interface ChunkState {
  chunkIndex: number;
  text: string | undefined;
  durationMs: number;
  sentAtMs: number;
  status: ChunkStatus;
  playedAtMs?: number;
}

interface ReplyState {
  chunks: Map<number, ChunkState>;
  /** How many of `chunks` are 'played': `isComplete` is asked on every echo and must not walk the chunks. */
  played: number;
  firstSentAtMs: number;
  clearedAtMs?: number;
}

export interface HeardReport {
  /** Chunks whose mark echoed as played, ascending. */
  chunksHeard: number[];
  /** Whole heard chunks plus the estimated heard part of the chunk cut off by a clear. */
  heardMs: number;
  /** Every chunk noted so far was heard (the reply may still be streaming). */
  complete: boolean;
  /** Set when a clear cut a chunk mid-play: that chunk and the estimated ms of it that played. */
  partial?: { chunkIndex: number; heardMs: number };
  /** The reply was interrupted by a clear. */
  interrupted: boolean;
}

export interface MarkEcho {
  replyId: string;
  chunkIndex: number;
  played: boolean;
}

export class PlaybackLedger {
  private readonly now: () => number;
  private readonly replies = new Map<string, ReplyState>();
  /** Marks sent and not yet echoed → true when a clear has flushed them. */
  private readonly pending = new Map<string, boolean>();

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** A chunk of a reply was handed to the pacer: `text` is what it says (e.g. one sentence), if known. */
  noteSent(replyId: string, chunkIndex: number, text: string | undefined, durationMs: number): void {
    const at = this.now();
    let reply = this.replies.get(replyId);
    if (!reply) {
      reply = { chunks: new Map(), played: 0, firstSentAtMs: at };
      this.replies.set(replyId, reply);
    }
    if (reply.chunks.get(chunkIndex)?.status === 'played') reply.played--;
    reply.chunks.set(chunkIndex, { chunkIndex, text, durationMs, sentAtMs: at, status: 'queued' });
  }

  /** The chunk's mark went out to Twilio. */
  noteMarkSent(name: string): void {
    this.pending.set(name, false);
    const chunk = this.chunkFor(name);
    if (chunk && chunk.status === 'queued') chunk.status = 'marked';
  }

  /** Twilio echoed a mark. Returns how it was counted, or undefined for a mark this ledger never saw sent. */
  noteMarkEchoed(name: string): MarkEcho | undefined {
    const flushed = this.pending.get(name);
    if (flushed === undefined) return undefined;
    this.pending.delete(name);
    const ref = parseMarkName(name);
    if (!ref) return undefined;
    const reply = this.replies.get(ref.replyId);
    const chunk = reply?.chunks.get(ref.chunkIndex);
    if (reply && chunk) {
      if (chunk.status === 'played') reply.played--;
      chunk.status = flushed ? 'flushed' : 'played';
      if (!flushed) {
        chunk.playedAtMs = this.now();
        reply.played++;
      }
    }
    return { replyId: ref.replyId, chunkIndex: ref.chunkIndex, played: !flushed };
  }

  /** A `clear` was sent: everything not yet echoed is now flushed (its echoes will not count). */
  cleared(): void {
    const at = this.now();
    for (const name of this.pending.keys()) this.pending.set(name, true);
    for (const reply of this.replies.values()) {
      let touched = false;
      for (const chunk of reply.chunks.values()) {
        if (chunk.status === 'queued' || chunk.status === 'marked') {
          // A queued chunk never got its mark (the pacer dropped it); a marked one is awaiting its flush echo.
          if (chunk.status === 'queued') chunk.status = 'flushed';
          touched = true;
        }
      }
      if (touched && reply.clearedAtMs === undefined) reply.clearedAtMs = at;
    }
  }

  /** Marks sent and not yet echoed. */
  get pendingMarks(): number {
    return this.pending.size;
  }

  /** Every chunk noted so far was heard: `heard(replyId).complete`, without building the report. */
  isComplete(replyId: string): boolean {
    const reply = this.replies.get(replyId);
    return reply !== undefined && reply.chunks.size > 0 && reply.played === reply.chunks.size;
  }

  heard(replyId: string): HeardReport {
    const reply = this.replies.get(replyId);
    if (!reply) return { chunksHeard: [], heardMs: 0, complete: false, interrupted: false };
    const chunks = [...reply.chunks.values()].sort((a, b) => a.chunkIndex - b.chunkIndex);
    const chunksHeard: number[] = [];
    let heardMs = 0;
    let lastEndAtMs = reply.firstSentAtMs;
    let partial: HeardReport['partial'];
    for (const chunk of chunks) {
      if (chunk.status === 'played') {
        chunksHeard.push(chunk.chunkIndex);
        heardMs += chunk.durationMs;
        lastEndAtMs = chunk.playedAtMs ?? lastEndAtMs;
        continue;
      }
      if (reply.clearedAtMs !== undefined && partial === undefined) {
        // The first chunk not heard in full was playing from the previous echo until the clear.
        const partMs = Math.min(chunk.durationMs, Math.max(0, reply.clearedAtMs - Math.max(lastEndAtMs, chunk.sentAtMs)));
        if (partMs > 0) partial = { chunkIndex: chunk.chunkIndex, heardMs: partMs };
      }
      break;
    }
    if (partial) heardMs += partial.heardMs;
    return {
      chunksHeard,
      heardMs,
      complete: chunks.length > 0 && chunksHeard.length === chunks.length,
      ...(partial ? { partial } : {}),
      interrupted: reply.clearedAtMs !== undefined,
    };
  }

  /** Text of the chunks heard in full, in order (chunks without text are skipped). */
  heardText(replyId: string, separator = ' '): string {
    const reply = this.replies.get(replyId);
    if (!reply) return '';
    return [...reply.chunks.values()]
      .filter((c) => c.status === 'played' && c.text !== undefined && c.text !== '')
      .sort((a, b) => a.chunkIndex - b.chunkIndex)
      .map((c) => c.text!.trim())
      .join(separator);
  }

  /** Drops a finished reply's bookkeeping (its marks, if still pending, are forgotten too). */
  forget(replyId: string): void {
    const reply = this.replies.get(replyId);
    if (!reply) return;
    for (const chunk of reply.chunks.values()) this.pending.delete(markName(replyId, chunk.chunkIndex));
    this.replies.delete(replyId);
  }

  private chunkFor(name: string): ChunkState | undefined {
    const ref = parseMarkName(name);
    return ref ? this.replies.get(ref.replyId)?.chunks.get(ref.chunkIndex) : undefined;
  }
}
