/**
 * One live call, framework-free: inbound audio and carrier events in, paced speech out. The telephony edge feeds
 * it decoded events; the session never sees WebSocket frames or HTTP. (The conversational loop — STT,
 * turn-taking, the interviewer — plugs in through `CallSession.attach`.)
 */
import { mulawDurationMs } from '../audio/frames.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import type { LogSink } from '../lib/logger.js';
import { ReplyPlayer, type ReplyOutcome } from './reply-player.js';
import { splitIntoSentences } from './sentence-chunker.js';
import type { CallTransport, EventSink } from './types.js';

export type CallEndReason = 'stop' | 'socket_closed' | 'hangup' | 'draining' | 'error' | 'completed';

export interface CallSessionDeps {
  interviewId: string;
  callSid: string;
  streamSid: string;
  transport: CallTransport;
  tts: SpeechSynthesizer;
  record: EventSink;
  log: LogSink;
}

/** A conversational driver (the interview loop) attached to a session. */
export interface CallDriver {
  onAudio?(payload: Uint8Array, timestampMs: number): void;
  onDtmf?(digit: string): void;
  onEnd?(reason: CallEndReason): Promise<void> | void;
}

export class CallSession {
  readonly player: ReplyPlayer;
  readonly startedAt = Date.now();
  private ended: Promise<void> | undefined;
  private driver: CallDriver | undefined;
  private replySeq = 0;
  /** Replies still being accounted for; `end` waits for them so the log reads in order. */
  private readonly speaking = new Set<Promise<ReplyOutcome>>();
  inboundFrames = 0;
  inboundAudioMs = 0;
  lastInboundTimestampMs = 0;
  marksEchoed = 0;
  dtmfDigits = '';
  /** Why the session ended, once it has (`end`'s reason and detail). */
  endedWith: { reason: CallEndReason; detail?: Record<string, unknown> } | undefined;

  constructor(readonly deps: CallSessionDeps) {
    this.player = new ReplyPlayer(deps.transport, deps.tts);
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  attach(driver: CallDriver): void {
    this.driver = driver;
  }

  nextReplyId(prefix = 'r'): string {
    return `${prefix}${++this.replySeq}`;
  }

  /** Speaks a fixed text as one reply and records what was planned and what was heard. */
  say(text: string, replyId = this.nextReplyId()): Promise<ReplyOutcome> {
    const speaking = this.sayNow(text, replyId);
    this.speaking.add(speaking);
    void speaking.finally(() => this.speaking.delete(speaking)).catch(() => undefined);
    return speaking;
  }

  private async sayNow(text: string, replyId: string): Promise<ReplyOutcome> {
    const outcome = await this.player.play(replyId, splitIntoSentences(text));
    this.deps.record('agent.speech', {
      replyId,
      planned: text,
      heard: outcome.heardText,
      interrupted: outcome.interrupted,
      heardMs: Math.round(outcome.heard.heardMs),
      firstFrameMs: outcome.firstFrameMs !== undefined ? Math.round(outcome.firstFrameMs) : null,
      ...(outcome.error ? { error: String((outcome.error as Error).message ?? outcome.error) } : {}),
    });
    return outcome;
  }

  handleMedia(payload: Uint8Array, timestampMs: number): void {
    if (this.ended) return;
    this.inboundFrames++;
    this.inboundAudioMs += mulawDurationMs(payload.length);
    this.lastInboundTimestampMs = timestampMs;
    this.driver?.onAudio?.(payload, timestampMs);
  }

  handleMark(name: string): void {
    this.marksEchoed++;
    this.player.onMarkEcho(name);
  }

  handleDtmf(digit: string): void {
    this.dtmfDigits += digit;
    this.deps.record('call.dtmf', { digit });
    this.driver?.onDtmf?.(digit);
  }

  /** Ends the session once: stops playback, lets the driver finish, records the audio summary and the end. */
  end(reason: CallEndReason, detail?: Record<string, unknown>): Promise<void> {
    this.ended ??= (async () => {
      this.endedWith = { reason, detail };
      this.player.close();
      await Promise.allSettled([...this.speaking]);
      try {
        await this.driver?.onEnd?.(reason);
      } catch (err) {
        this.deps.log.error({ err, interviewId: this.deps.interviewId, callSid: this.deps.callSid }, 'driver end failed');
      }
      this.deps.record('call.audio_summary', {
        inboundFrames: this.inboundFrames,
        inboundAudioMs: Math.round(this.inboundAudioMs),
        outboundFrames: this.player.framesSent,
        outboundAudioMs: Math.round(this.player.audioMsSent),
        marksSent: this.player.marksSent,
        marksEchoed: this.marksEchoed,
      });
      this.deps.record('call.ended', { reason, durationMs: Date.now() - this.startedAt, ...detail });
      // Ending from our side (interview over, outage, drain) hangs up; the caller already heard the last words.
      this.deps.transport.close(1000, reason);
    })();
    return this.ended;
  }
}
