/**
 * The conversation loop of one call: inbound audio → VAD + STT → turn-taking → the agent's reply → sentences →
 * TTS → pacer, with barge-in able to pause, resume or cancel the reply at any point. It is the CallDriver the
 * session feeds; it knows nothing of Twilio, HTTP or the database.
 *
 * One reply at a time: a new turn cancels the reply in flight. Each reply has its own AbortController that
 * reaches the agent (LLM), synthesis and playback; only sentences the caller heard reach the agent's history.
 */
import { decodeMulaw } from '../audio/mulaw.js';
import { FRAME_MS } from '../audio/frames.js';
import { EnergyVad } from '../audio/vad.js';
import type { SpeechToText, SttStream, SttEvent } from '../providers/stt.js';
import { ProviderError } from '../providers/errors.js';
import type { LogSink } from '../lib/logger.js';
import { sleep } from '../lib/abort.js';
import { withLogContext } from '../lib/log-context.js';
import type { AgentEvent, ConversationAgent, UserTurn } from './agent.js';
import { BargeInDetector, isBackchannel } from './barge-in.js';
import type { CallDriver, CallEndReason, CallSession } from './call-session.js';
import { systemClock, type VoiceClock } from './clock.js';
import { SentenceBuffer } from './sentence-buffer.js';
import { SentenceChunker, splitIntoSentences } from './sentence-chunker.js';
import { TurnDetector, type TurnEnd } from './turn-detector.js';
import { STT_FEED_DEFAULTS, SttFeed } from './stt-feed.js';
import type { RecordEvent } from '../store/events/catalogue.js';

export interface ConversationOptions {
  language?: string;
  endpointingMs?: number;
  /** Local VAD evidence before a barge-in pauses the agent (frames of 20 ms). */
  bargeInMinSpeechFrames?: number;
  falseInterruptionMs?: number;
  completeWaitMs?: number;
  incompleteWaitMs?: number;
  silenceCeilingMs?: number;
  /** STT (re)connection attempts before the call is ended as a provider outage. */
  sttAttempts?: number;
  sttRetryDelayMs?: number;
  /** Caller audio held per STT message while the caller is quiet (≤ 20: every frame on its own). */
  sttBatchMs?: number;
  /** Quiet after the caller's last voiced frame before STT messages are batched. */
  sttBatchHoldMs?: number;
}

/** A frame this far over the VAD's noise floor may be speech: it goes to STT at once, and so do the next ones. */
const VOICED_OVER_FLOOR_DB = 6;

export interface TurnMetrics {
  replyId: string;
  /** caller stopped → final transcript */
  sttFinalMs: number;
  /** caller stopped → end of turn decided */
  endOfTurnMs: number;
  /** end of turn → model's first token */
  llmFirstTokenMs?: number;
  /** play start → TTS first byte */
  ttsFirstByteMs?: number;
  /** caller stopped → first agent audio frame sent */
  firstFrameMs?: number;
}

export interface ConversationDeps {
  session: CallSession;
  agent: ConversationAgent;
  stt: SpeechToText;
  record: RecordEvent;
  log: LogSink;
  clock?: VoiceClock;
  options?: ConversationOptions;
  /** Per-stage latency observations (ms), e.g. into a Prometheus histogram. */
  observe?: (stage: string, ms: number) => void;
}

export const LINES = {
  cantHear: "Sorry, I'm having trouble hearing you. Give me a moment.",
  technicalDifficulty: "I'm sorry, we're having technical difficulties on our side. We'll call you back shortly to finish the interview. Goodbye.",
};

interface ActiveReply {
  id: string;
  abort: AbortController;
  buffer: SentenceBuffer;
  segment: AbortController | undefined;
  paused: boolean;
  /** Set while paused: resolves true to resume, false when the caller took the floor. */
  verdict: Promise<boolean> | undefined;
  decide: ((resume: boolean) => void) | undefined;
  /** Sentences the caller has heard so far, across segments. */
  heard: string[];
  endCall?: string;
  bargedIn: boolean;
}

export class Conversation implements CallDriver {
  private readonly clock: VoiceClock;
  private readonly opts: ConversationOptions;
  private readonly vad: EnergyVad;
  private readonly pcm = new Int16Array(160);
  private readonly turns: TurnDetector;
  private readonly bargeIn: BargeInDetector;
  private stt: SttStream | undefined;
  private readonly sttFeed: SttFeed;
  private openingDone = false;
  private markOpeningDone!: () => void;
  private readonly openingFinished = new Promise<void>((resolve) => (this.markOpeningDone = resolve));
  private ended = false;
  private reply: ActiveReply | undefined;
  private lastFrameClock = 0;
  private lastFrameStreamMs = 0;
  private pauseOnsetClock: number | undefined;
  /** Clock time of the last caller frame loud enough to be speech: when the caller actually stopped. */
  private lastVoicedClock = 0;
  /** The caller took the floor from the last reply: their next turn is a barge-in. */
  private bargedInTurn = false;
  private readonly stopped = new AbortController();
  /** A bug in handling one STT event is a fault of the call, not a speech-to-text failure to retry. */
  private readonly dispatchStt: (ev: SttEvent) => void;
  /**
   * The typed-answer input port (the practice line's typed mode, the accommodation path): a typed answer takes the
   * place of a transcript and enters the same turn logic. Guarded: a fault here is this call's fault.
   */
  readonly typedTurn: (text: string) => void;

  constructor(private readonly deps: ConversationDeps) {
    this.clock = deps.clock ?? systemClock;
    this.dispatchStt = deps.session.guard('stt_event', (ev: SttEvent) => this.onStt(ev));
    this.typedTurn = deps.session.guard('typed_turn', (text: string) => this.onTyped(text));
    this.opts = deps.options ?? {};
    this.sttFeed = new SttFeed((audio) => this.stt?.send(audio), {
      batchMs: this.opts.sttBatchMs ?? STT_FEED_DEFAULTS.batchMs,
      holdMs: this.opts.sttBatchHoldMs ?? STT_FEED_DEFAULTS.holdMs,
      bytesPerMs: STT_FEED_DEFAULTS.bytesPerMs,
    });
    this.vad = new EnergyVad({ minSpeechFrames: this.opts.bargeInMinSpeechFrames ?? 4 });
    this.turns = new TurnDetector(
      {
        clock: this.clock,
        completeWaitMs: this.opts.completeWaitMs,
        incompleteWaitMs: this.opts.incompleteWaitMs,
        silenceCeilingMs: this.opts.silenceCeilingMs,
      },
      deps.session.guard('turn_end', (turn: TurnEnd) => this.onTurnEnd(turn)),
    );
    this.bargeIn = new BargeInDetector(
      {
        pause: deps.session.guard('bargein_pause', (evidence: 'vad' | 'words') => this.pause(evidence)),
        resume: deps.session.guard('bargein_resume', (why: 'false_interruption' | 'backchannel') => this.resume(why)),
        commit: deps.session.guard('bargein_commit', (text: string) => this.commit(text)),
      },
      { clock: this.clock, falseInterruptionMs: this.opts.falseInterruptionMs },
    );
  }

  /** Opens STT, speaks the uninterruptible opening, then listens. */
  async start(): Promise<void> {
    this.deps.session.spawn('stt', () => this.runStt());
    const opening = this.deps.agent.opening();
    const outcome = await this.deps.session.say(opening, 'greeting');
    this.openingDone = true;
    this.markOpeningDone();
    this.deps.agent.onSpoken({ replyId: 'greeting', planned: opening, heard: outcome.heardText, interrupted: outcome.interrupted });
    // Anything said over the opening is the caller's first turn (e.g. "yes" to consent); the detector kept it.
  }

  // ---- inbound -------------------------------------------------------------------------------------------

  onAudio(payload: Uint8Array, timestampMs: number): void {
    if (this.ended) return;
    this.lastFrameClock = this.clock.now();
    this.lastFrameStreamMs = timestampMs;
    if (payload.length !== this.pcm.length) return this.sttFeed.push(payload, timestampMs, true); // VAD works on whole 20 ms frames
    const ev = this.vad.process(decodeMulaw(payload, this.pcm), timestampMs);
    const overFloorDb = this.vad.lastEnergyDb - this.vad.noiseFloorDb;
    if (this.vad.isSpeech && overFloorDb >= 9) this.lastVoicedClock = this.lastFrameClock;
    // The VAD runs first so the feed knows whether this frame may be speech (then nothing is held back).
    this.sttFeed.push(payload, timestampMs, this.vad.isSpeech || overFloorDb >= VOICED_OVER_FLOOR_DB);
    if (!ev) return;
    if (ev.type === 'speech_start') {
      // Map the onset back from stream time to our clock, for the barge-in latency figure.
      // The frame arrived as its audio ended: stream time timestamp + 20 ms is "now".
      this.pauseOnsetClock = this.lastFrameClock - (this.lastFrameStreamMs + FRAME_MS - ev.atMs);
      if (this.openingDone) this.bargeIn.onSpeechStart();
    }
    this.turns.onVad(ev.type);
  }

  /** A typed answer is a final transcript whose turn has ended: recorded as one, then the turn logic as for speech. */
  private onTyped(raw: string): void {
    const text = raw.trim();
    if (this.ended || !text) return;
    const now = this.clock.now();
    this.deps.record('transcript.typed', { text, chars: text.length });
    this.deps.record('transcript.final', { text, confidence: 1, startMs: Math.round(this.lastFrameStreamMs), durationMs: 0, speechFinal: true });
    // Typing over the agent takes the floor, as speaking over it does (the reply is cancelled, `clear` sent).
    if (this.reply && this.openingDone && !isBackchannel(text)) this.bargedInTurn = true;
    this.onTurnEnd({ text, reason: 'typed', lastSpeechAtMs: now, finalAtMs: now, decidedAtMs: now });
  }

  onDtmf(digit: string): void {
    this.deps.agent.onDtmf?.(digit);
  }

  async onEnd(reason: CallEndReason): Promise<void> {
    this.ended = true;
    // Before the abort below closes the STT stream: what the feed holds is audio the caller sent.
    this.sttFeed.flush();
    // A turn held back until the opening ends must not wait forever: release it (it sees `ended` and stops).
    this.markOpeningDone();
    this.stopped.abort();
    this.turns.close();
    this.bargeIn.reset();
    this.reply?.abort.abort();
    this.reply?.segment?.abort();
    this.reply?.decide?.(false);
    await this.stt?.close().catch(() => undefined);
    this.deps.log.debug({ reason, sttFrames: this.sttFeed.counts.frames, sttMessages: this.sttFeed.counts.messages }, 'conversation ended');
  }

  private async runStt(): Promise<void> {
    const attempts = this.opts.sttAttempts ?? 3;
    for (let attempt = 1; attempt <= attempts && !this.ended; attempt++) {
      try {
        this.stt = await this.deps.stt.open({
          encoding: 'mulaw',
          sampleRateHz: 8000,
          language: this.opts.language ?? 'en-US',
          endpointingMs: this.opts.endpointingMs ?? 300,
          keyterms: this.deps.agent.keyterms?.(),
          callId: this.deps.session.deps.callSid,
          signal: this.stopped.signal,
        });
        if (attempt > 1) this.deps.record('provider.restored', { port: 'stt', provider: this.deps.stt.name, attempt });
        for await (const ev of this.stt.events()) this.dispatchStt(ev);
        return; // closed normally
      } catch (err) {
        if (this.ended) return;
        const kind = err instanceof ProviderError ? err.kind : 'unknown';
        this.deps.log.warn({ err, attempt }, 'speech-to-text failed');
        this.deps.record('provider.error', { port: 'stt', provider: this.deps.stt.name, kind, attempt, error: String((err as Error).message ?? err) });
        if (attempt < attempts) {
          if (this.openingDone && !this.reply) this.deps.session.spawn('notice', () => this.deps.session.say(LINES.cantHear, this.deps.session.nextReplyId('notice')));
          await sleep((this.opts.sttRetryDelayMs ?? 1000) * attempt, this.stopped.signal).catch(() => undefined);
        }
      }
    }
    if (this.ended) return;
    this.deps.record('call.provider_down', { port: 'stt', provider: this.deps.stt.name });
    await this.deps.session.say(LINES.technicalDifficulty, this.deps.session.nextReplyId('notice'));
    this.deps.session.requestEnd('error', { cause: 'stt_unavailable' });
  }


  private onStt(ev: SttEvent): void {
    switch (ev.type) {
      case 'transcript':
        if (this.reply && ev.text.trim() && this.openingDone) this.bargeIn.onTranscript(ev.text, ev.isFinal);
        if (ev.isFinal && ev.text.trim()) {
          this.deps.record('transcript.final', {
            text: ev.text,
            confidence: Math.round(ev.confidence * 1000) / 1000,
            startMs: Math.round(ev.startMs),
            durationMs: Math.round(ev.durationMs),
            speechFinal: ev.speechFinal,
          });
        }
        break;
      case 'reconnecting':
        this.deps.record('provider.reconnecting', { port: 'stt', attempt: ev.attempt, reason: ev.reason });
        break;
      case 'reconnected':
        this.deps.record('provider.reconnected', { port: 'stt', replayedMs: Math.round(ev.replayedMs) });
        break;
      case 'warning':
        this.deps.record('provider.warning', { port: 'stt', kind: ev.error.kind, error: ev.error.message });
        break;
      default:
        break;
    }
    this.turns.onStt(ev);
  }

  // ---- turns and replies ---------------------------------------------------------------------------------

  private onTurnEnd(turn: TurnEnd): void {
    if (this.ended) return;
    // A lone "mm-hm" said while the agent talked is not a turn.
    if (this.reply && isBackchannel(turn.text)) return;
    if (!this.openingDone) {
      // Said over the uninterruptible opening: keep it for when the opening ends (or the call does).
      this.deps.session.spawn('deferred_turn', async () => {
        await this.openingFinished;
        this.onTurnEnd(turn);
      });
      return;
    }
    const bargedIn = this.bargedInTurn;
    this.bargedInTurn = false;
    if (this.reply) this.cancelReply();
    const replyId = this.deps.session.nextReplyId();
    this.deps.record('transcript.turn', { text: turn.text, endReason: turn.reason, bargedIn, replyId });
    this.deps.session.spawn('reply', () => this.runReply(replyId, { text: turn.text, endReason: turn.reason, bargedIn }, turn));
  }

  private runReply(id: string, userTurn: UserTurn, turn: TurnEnd): Promise<void> {
    // Every log line written while this reply is produced carries its id (lib/log-context.ts).
    return withLogContext({ replyId: id }, () => this.produceReply(id, userTurn, turn));
  }

  private async produceReply(id: string, userTurn: UserTurn, turn: TurnEnd): Promise<void> {
    const reply: ActiveReply = {
      id,
      abort: new AbortController(),
      buffer: new SentenceBuffer(),
      segment: undefined,
      paused: false,
      verdict: undefined,
      decide: undefined,
      heard: [],
      bargedIn: false,
    };
    this.reply = reply;
    // The caller stopped at their last voiced frame (local VAD), if that belongs to this turn.
    const stoppedAt = this.lastVoicedClock > 0 && this.lastVoicedClock <= turn.finalAtMs ? this.lastVoicedClock : turn.lastSpeechAtMs;
    const metrics: TurnMetrics = {
      replyId: reply.id,
      sttFinalMs: Math.max(0, turn.finalAtMs - stoppedAt),
      endOfTurnMs: Math.max(0, turn.decidedAtMs - stoppedAt),
    };
    const produced = this.produce(reply, userTurn, turn.decidedAtMs, metrics);
    let segment = 0;
    let from = 0;
    try {
      for (;;) {
        const segmentId = segment === 0 ? reply.id : `${reply.id}.${segment}`;
        reply.segment = new AbortController();
        this.bargeIn.setAgentSpeaking(true, true);
        const playStart = this.clock.now();
        const outcome = await this.deps.session.player.play(segmentId, reply.buffer.from(from, reply.segment.signal));
        reply.heard.push(...outcome.heardSentences);
        if (segment === 0) {
          if (outcome.ttsFirstByteMs !== undefined) metrics.ttsFirstByteMs = outcome.ttsFirstByteMs;
          if (outcome.firstFrameMs !== undefined) metrics.firstFrameMs = playStart + outcome.firstFrameMs - stoppedAt;
        }
        if (outcome.error) this.deps.record('provider.error', { port: 'tts', error: String((outcome.error as Error).message ?? outcome.error) });
        if (!reply.paused || reply.abort.signal.aborted) break;
        // Paused by a suspected barge-in: wait for the verdict.
        const resume = await reply.verdict!;
        reply.paused = false;
        reply.verdict = reply.decide = undefined;
        if (!resume || reply.abort.signal.aborted) break;
        from += outcome.heardSentences.length;
        segment++;
      }
      await produced;
    } finally {
      this.bargeIn.setAgentSpeaking(false);
      this.bargeIn.reset();
      if (this.reply === reply) this.reply = undefined;
      this.finishReply(reply, metrics);
    }
  }

  /** Streams the agent's reply into the sentence buffer. */
  private async produce(reply: ActiveReply, userTurn: UserTurn, turnDecidedAt: number, metrics: TurnMetrics): Promise<void> {
    const chunker = new SentenceChunker();
    let firstText = true;
    try {
      for await (const ev of this.deps.agent.respond(userTurn, reply.abort.signal) as AsyncIterable<AgentEvent>) {
        if (reply.abort.signal.aborted) break;
        switch (ev.type) {
          case 'text':
            if (firstText && metrics.llmFirstTokenMs === undefined) metrics.llmFirstTokenMs = this.clock.now() - turnDecidedAt;
            firstText = false;
            for (const s of chunker.push(ev.delta)) reply.buffer.push(s);
            break;
          case 'filler':
            if (reply.buffer.sentences.length === 0) for (const s of splitIntoSentences(ev.text)) reply.buffer.push(s);
            break;
          case 'metrics':
            if (ev.llmFirstTokenMs !== undefined) metrics.llmFirstTokenMs = ev.llmFirstTokenMs;
            break;
          case 'end_call':
            reply.endCall = ev.reason;
            break;
        }
      }
      if (!reply.abort.signal.aborted) for (const s of chunker.flush()) reply.buffer.push(s);
    } catch (err) {
      this.deps.log.error({ err, replyId: reply.id }, 'agent reply failed');
      this.deps.record('agent.error', { replyId: reply.id, error: String((err as Error).message ?? err) });
    } finally {
      reply.buffer.end();
    }
  }

  private finishReply(reply: ActiveReply, metrics: TurnMetrics): void {
    const planned = reply.buffer.text;
    const heard = reply.heard.join(' ');
    const interrupted = reply.bargedIn || reply.abort.signal.aborted;
    const spoken = { replyId: reply.id, planned, heard, interrupted };
    this.deps.agent.onSpoken(spoken);
    // Coding or drawing: longer end-of-turn waits, so thinking aloud is not cut off.
    this.turns.setPatient(this.deps.agent.patience() === 'patient');
    const citationIds = this.deps.agent.annotate?.(spoken)?.citationIds;
    this.deps.record('agent.speech', { ...spoken, ...(citationIds?.length ? { citationIds } : {}) });
    this.deps.record('turn.metrics', { ...roundAll(metrics) });
    if (this.deps.observe) {
      this.deps.observe('stt_final', metrics.sttFinalMs);
      this.deps.observe('end_of_turn', metrics.endOfTurnMs);
      if (metrics.llmFirstTokenMs !== undefined) this.deps.observe('llm_first_token', metrics.llmFirstTokenMs);
      if (metrics.ttsFirstByteMs !== undefined) this.deps.observe('tts_first_byte', metrics.ttsFirstByteMs);
      if (metrics.firstFrameMs !== undefined) this.deps.observe('first_frame', metrics.firstFrameMs);
    }
    // A consent refusal or opt-out ends the call even if the caller talked over the goodbye.
    if (reply.endCall && (!interrupted || reply.endCall === 'consent_refused' || reply.endCall === 'opt_out')) {
      this.deps.record('call.ending', { reason: reply.endCall });
      this.deps.session.requestEnd('completed', { cause: reply.endCall });
    }
  }

  private cancelReply(): void {
    const reply = this.reply;
    if (!reply) return;
    reply.abort.abort();
    reply.segment?.abort();
    this.deps.session.player.interrupt();
    reply.decide?.(false);
  }

  // ---- barge-in actions ----------------------------------------------------------------------------------

  private pause(evidence: 'vad' | 'words'): void {
    const reply = this.reply;
    if (!reply) return;
    reply.paused = true;
    reply.verdict = new Promise<boolean>((resolve) => (reply.decide = resolve));
    reply.segment?.abort();
    this.deps.session.player.interrupt();
    const clearAt = this.clock.now();
    // The onset is the VAD's for this speech; words-only evidence with no recent onset has no onset to measure.
    const onset = this.pauseOnsetClock !== undefined && clearAt - this.pauseOnsetClock < 3000 ? this.pauseOnsetClock : undefined;
    if (onset !== undefined) this.deps.observe?.('barge_in_clear', clearAt - onset);
    this.deps.record('bargein.pause', { replyId: reply.id, evidence, onsetToClearMs: onset !== undefined ? Math.round(clearAt - onset) : null });
  }

  private resume(why: 'false_interruption' | 'backchannel'): void {
    const reply = this.reply;
    if (!reply?.decide) return;
    this.deps.record('bargein.resume', { replyId: reply.id, why });
    reply.decide(true);
  }

  private commit(text: string): void {
    const reply = this.reply;
    if (!reply) return;
    reply.bargedIn = true;
    this.bargedInTurn = true;
    this.deps.record('bargein.commit', { replyId: reply.id, words: text.slice(0, 200) });
    this.cancelReply();
  }
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v) : v])) as T;
}
