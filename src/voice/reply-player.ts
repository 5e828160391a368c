/**
 * Speaks replies on one call: text → TTS → pacer → frames and marks, with the playback ledger keeping account of
 * what the caller heard. One reply plays at a time; `interrupt()` cancels synthesis, flushes the pacer, sends
 * `clear` (always — the carrier may be playing audio we no longer hold) and marks the rest unheard.
 */
import { Pacer, type PacerClock } from '../audio/pacer.js';
import { PlaybackLedger, type HeardReport } from '../audio/playback-ledger.js';
import { mulawDurationMs } from '../audio/frames.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import { isAbortError } from '../lib/abort.js';
import type { CallTransport } from './types.js';

export interface ReplyOutcome {
  replyId: string;
  /** Every sentence synthesized and every mark echoed. */
  completed: boolean;
  interrupted: boolean;
  heard: HeardReport;
  heardText: string;
  /** Whole sentences the caller heard, in order (a sentence counts once its last audio has played). */
  heardSentences: string[];
  /** ms from `play()` to the first audio frame handed to the transport (undefined if none). */
  firstFrameMs?: number;
  ttsFirstByteMs?: number;
  error?: unknown;
  /** Nothing was played because the player had closed (the call ended): speaking after the end is a no-op. */
  skipped?: boolean;
}

interface ActiveReply {
  id: string;
  abort: AbortController;
  startedAt: number;
  firstFrameAt?: number;
  synthDone: boolean;
  settle?: () => void;
}

export class ReplyPlayer {
  readonly ledger: PlaybackLedger;
  private readonly pacer: Pacer;
  private active: ActiveReply | undefined;
  private closed = false;
  framesSent = 0;
  audioMsSent = 0;
  marksSent = 0;

  constructor(
    private readonly transport: CallTransport,
    private readonly tts: SpeechSynthesizer,
    opts: { clock?: PacerClock; maxLeadMs?: number; onJitter?: (ms: number) => void } = {},
  ) {
    this.ledger = new PlaybackLedger({ now: opts.clock ? () => opts.clock!.now() : undefined });
    this.pacer = new Pacer(
      {
        onFrame: (frame, meta) => {
          this.framesSent++;
          this.audioMsSent += meta.durationMs;
          const a = this.active;
          if (a && a.id === meta.replyId && a.firstFrameAt === undefined) a.firstFrameAt = performance.now();
          this.transport.sendAudio(frame);
        },
        onMark: (name) => {
          this.marksSent++;
          this.ledger.noteMarkSent(name);
          this.transport.sendMark(name);
        },
      },
      { clock: opts.clock, maxLeadMs: opts.maxLeadMs, onJitter: opts.onJitter },
    );
  }

  get speaking(): boolean {
    return this.active !== undefined;
  }

  get currentReplyId(): string | undefined {
    return this.active?.id;
  }

  /** Plays `sentences` (already split) as reply `replyId`; resolves when heard in full, interrupted, or closed. */
  async play(replyId: string, sentences: AsyncIterable<string> | string[]): Promise<ReplyOutcome> {
    if (this.closed) return this.skippedOutcome(replyId);
    if (this.active) this.interrupt();
    const reply: ActiveReply = { id: replyId, abort: new AbortController(), startedAt: performance.now(), synthDone: false };
    this.active = reply;
    let index = 0;
    const sentenceEnds = new Map<number, string>();
    let ttsFirstByteMs: number | undefined;
    let error: unknown;
    const signal = reply.abort.signal;
    // Connections opened ahead (the model is still writing the first sentence; each sentence warms the next) are
    // released when the reply ends, heard or interrupted.
    const warmth = new AbortController();
    const release = () => warmth.abort();
    signal.addEventListener('abort', release, { once: true });
    try {
      this.tts.warm?.({ signal: warmth.signal });
      for await (const sentence of sentences) {
        if (signal.aborted) break;
        const audio = this.tts.synthesize(sentence, {
          signal,
          onFirstByte: (ms) => (ttsFirstByteMs ??= ms),
        });
        this.tts.warm?.({ signal: warmth.signal });
        for await (const chunk of audio) {
          if (signal.aborted) break;
          this.enqueue(replyId, index++, chunk, undefined);
        }
        // An empty chunk carries the sentence: its mark echoes once the sentence's last audio has played, so a
        // sentence counts as heard only then — without holding any audio back.
        if (!signal.aborted) {
          sentenceEnds.set(index, sentence);
          this.enqueue(replyId, index++, new Uint8Array(0), sentence);
        }
      }
    } catch (err) {
      if (!isAbortError(err)) error = err;
    } finally {
      signal.removeEventListener('abort', release);
      warmth.abort();
    }
    reply.synthDone = true;
    if (!signal.aborted && !error) await this.untilHeard(reply);
    if (this.active === reply) this.active = undefined;
    const heard = this.ledger.heard(replyId);
    return {
      replyId,
      completed: !signal.aborted && !error && heard.complete,
      interrupted: heard.interrupted || signal.aborted,
      heard,
      heardText: this.ledger.heardText(replyId),
      heardSentences: heard.chunksHeard.filter((i) => sentenceEnds.has(i)).map((i) => sentenceEnds.get(i)!),
      firstFrameMs: reply.firstFrameAt !== undefined ? reply.firstFrameAt - reply.startedAt : undefined,
      ttsFirstByteMs,
      error,
    };
  }

  private skippedOutcome(replyId: string): ReplyOutcome {
    const heard = this.ledger.heard(replyId);
    return { replyId, completed: false, interrupted: false, heard, heardText: '', heardSentences: [], skipped: true };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A mark echoed by the carrier. */
  onMarkEcho(name: string): void {
    this.ledger.noteMarkEchoed(name);
    const a = this.active;
    if (a?.synthDone && this.ledger.isComplete(a.id) && this.pacer.idle) a.settle?.();
  }

  /** Barge-in: stop synthesis and playback now. Sends `clear` even when nothing is queued locally. */
  interrupt(): { replyId?: string } {
    if (this.closed) return {};
    const a = this.active;
    this.pacer.clear();
    this.ledger.cleared();
    this.transport.sendClear();
    if (a) {
      a.abort.abort();
      a.settle?.();
    }
    return { replyId: a?.id };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.active?.abort.abort();
    this.active?.settle?.();
    this.pacer.close();
  }

  private enqueue(replyId: string, index: number, bytes: Uint8Array, text: string | undefined): void {
    this.ledger.noteSent(replyId, index, text, mulawDurationMs(bytes.length));
    this.pacer.push(replyId, index, bytes);
  }

  private untilHeard(reply: ActiveReply): Promise<void> {
    if (this.ledger.isComplete(reply.id) && this.pacer.idle) return Promise.resolve();
    return new Promise<void>((resolve) => {
      reply.settle = resolve;
      if (reply.abort.signal.aborted || this.closed) resolve();
    });
  }
}
