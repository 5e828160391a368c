/**
 * One live call, framework-free: inbound audio and carrier events in, paced speech out. The telephony edge feeds
 * it decoded events; the session never sees WebSocket frames or HTTP. (The conversational loop — STT,
 * turn-taking, the interviewer — plugs in through `CallSession.attach`.)
 *
 * Fault containment: the session is the boundary of one call. Every task the call starts runs through `spawn`
 * (or `guard` for synchronous callbacks), so whatever throws ends *this* call — an apology when audio can still be
 * sent, `call.error` in its log, a graceful end — and never reaches the process.
 */
import { mulawDurationMs } from '../audio/frames.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import type { LogSink } from '../lib/logger.js';
import { errorMessage } from '../lib/errors.js';
import { timedOut } from '../lib/abort.js';
import type { RecordEvent } from '../store/events/catalogue.js';
import { ReplyPlayer, type ReplyOutcome } from './reply-player.js';
import { splitIntoSentences } from './sentence-chunker.js';
import type { CallTransport } from './types.js';

export type CallEndReason = 'stop' | 'socket_closed' | 'hangup' | 'draining' | 'error' | 'completed';

export const APOLOGY_LINE = "I'm sorry, something went wrong on our side. We'll call you back to finish the interview. Goodbye.";
/** The apology must not hold a broken call open: past this it is cut short. */
const APOLOGY_TIMEOUT_MS = 8000;
/** Finishing the recording (flush, header, artifact) must not hold the end of the call for long. */
const AUDIO_TAP_END_TIMEOUT_MS = 10_000;

export interface CallSessionDeps {
  interviewId: string;
  callSid: string;
  streamSid: string;
  transport: CallTransport;
  tts: SpeechSynthesizer;
  record: RecordEvent;
  log: LogSink;
  /** A contained fault (counted in a metric by the caller). */
  onFault?: (where: string, err: unknown) => void;
}

/** Sees the call's audio as it flows (the call recorder); must not throw. Ended once, by `CallSession.end`. */
export interface CallAudioTap {
  /** A frame from the caller. */
  inbound(payload: Uint8Array): void;
  /** A frame of the agent's, as it was sent to the carrier. */
  outbound(frame: Uint8Array): void;
  /** The call is over: finish (bounded by the session; what it records lands before `call.ended`). */
  end(): Promise<void>;
}

/** A conversational driver (the interview loop) attached to a session. */
export interface CallDriver {
  onAudio?(payload: Uint8Array, timestampMs: number): void;
  onDtmf?(digit: string): void;
  /** Stop everything the driver runs (replies, STT, timers). Called once, before the player closes. */
  onEnd?(reason: CallEndReason): Promise<void> | void;
}

export class CallSession {
  readonly player: ReplyPlayer;
  readonly startedAt = Date.now();
  private ended: Promise<void> | undefined;
  private failing = false;
  private driver: CallDriver | undefined;
  private replySeq = 0;
  /** Replies still being accounted for; `end` waits for them so the log reads in order. */
  private readonly speaking = new Set<Promise<ReplyOutcome>>();
  /** Everything spawned for this call; `end` waits for them (bounded) so nothing outlives the call unseen. */
  private readonly tasks = new Set<Promise<void>>();
  inboundFrames = 0;
  inboundAudioMs = 0;
  lastInboundTimestampMs = 0;
  marksEchoed = 0;
  dtmfDigits = '';
  /** Why the session ended, once it has (`end`'s reason and detail). */
  endedWith: { reason: CallEndReason; detail?: Record<string, unknown> } | undefined;
  /** Filled in by the owner before `call.ended` is written (stage reached, final status). */
  endDetail: () => Record<string, unknown> = () => ({});
  /** Set by the owner before audio flows (the call recorder); every way a call ends closes it in `end`. */
  audioTap: CallAudioTap | undefined;

  constructor(readonly deps: CallSessionDeps) {
    // The pacer calls the transport from its timers: a throw there must end this call, not reach the process.
    const t = deps.transport;
    const guarded: CallTransport = {
      sendAudio: this.guard('transport', (frame: Uint8Array) => {
        t.sendAudio(frame);
        this.audioTap?.outbound(frame);
      }),
      sendMark: this.guard('transport', (name: string) => t.sendMark(name)),
      sendClear: this.guard('transport', () => t.sendClear()),
      close: (code, reason) => t.close(code, reason),
    };
    this.player = new ReplyPlayer(guarded, deps.tts);
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** Resolves once the session has ended (whoever ended it). */
  get done(): Promise<void> {
    return this.ended ?? this.whenEnded;
  }

  private markEnded!: () => void;
  private readonly whenEnded = new Promise<void>((resolve) => (this.markEnded = resolve));

  attach(driver: CallDriver): void {
    this.driver = driver;
  }

  nextReplyId(prefix = 'r'): string {
    return `${prefix}${++this.replySeq}`;
  }

  /**
   * Runs a task of this call. A rejection is a fault of this call: it is contained here and ends the call.
   */
  spawn(where: string, task: () => Promise<unknown>): void {
    let run: Promise<void>;
    try {
      run = task().then(
        () => undefined,
        (err: unknown) => this.fail(where, err),
      );
    } catch (err) {
      run = this.fail(where, err);
    }
    this.tasks.add(run);
    run.finally(() => this.tasks.delete(run)).catch(() => undefined);
  }

  /** Wraps a synchronous callback (timers, detector callbacks, frame handlers) so a throw ends only this call. */
  guard<A extends unknown[]>(where: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        this.fail(where, err).catch(() => undefined);
      }
    };
  }

  /**
   * The contained-fault path: record `call.error`, apologise if the line is still up, end the call. Faults after
   * the end are logged only (the call is already over). Never rejects.
   */
  async fail(where: string, err: unknown): Promise<void> {
    const { log, interviewId, callSid } = this.deps;
    log.error({ err, where, interviewId, callSid }, 'call fault: ending this call');
    try {
      this.deps.onFault?.(where, err);
    } catch {
      // metrics must not turn one fault into two
    }
    if (this.ended || this.failing) return;
    this.failing = true;
    let apologised = false;
    // Stop the conversation first, so nothing (a barge-in, a new turn) talks over or cuts the apology.
    await this.stopDriver();
    try {
      this.player.interrupt();
      const apology = this.say(APOLOGY_LINE, this.nextReplyId('apology'));
      if (!(await timedOut(apology, APOLOGY_TIMEOUT_MS))) apologised = (await apology).heardText.length > 0;
    } catch (sayErr) {
      log.warn({ err: sayErr, interviewId, callSid }, 'apology could not be spoken');
    }
    this.deps.record('call.error', { where, error: errorMessage(err), apologised });
    await this.end('error', { cause: 'internal_error' });
  }

  /**
   * Ends the call from our side with a last line (the drain's "we have to end here"): the conversation stops, so
   * nothing talks over it, the line plays (bounded), then the call ends with `reason`. Never rejects.
   */
  async closeWith(line: string, reason: CallEndReason, detail?: Record<string, unknown>): Promise<void> {
    if (this.ended || this.failing) return this.done;
    this.failing = true;
    await this.stopDriver(reason);
    try {
      this.player.interrupt();
      const spoken = this.say(line, this.nextReplyId('closing'));
      await timedOut(spoken, APOLOGY_TIMEOUT_MS);
    } catch (err) {
      this.deps.log.warn({ err, interviewId: this.deps.interviewId, callSid: this.deps.callSid }, 'closing line could not be spoken');
    }
    await this.end(reason, detail);
  }

  /** Speaks a fixed text as one reply and records what was planned and what was heard. After the end: a no-op. */
  say(text: string, replyId = this.nextReplyId()): Promise<ReplyOutcome> {
    const speaking = this.sayNow(text, replyId);
    this.speaking.add(speaking);
    speaking.finally(() => this.speaking.delete(speaking)).catch(() => undefined);
    return speaking;
  }

  private async sayNow(text: string, replyId: string): Promise<ReplyOutcome> {
    const outcome = await this.player.play(replyId, splitIntoSentences(text));
    if (outcome.skipped) return outcome;
    this.deps.record('agent.speech', {
      replyId,
      planned: text,
      heard: outcome.heardText,
      interrupted: outcome.interrupted,
      heardMs: Math.round(outcome.heard.heardMs),
      firstFrameMs: outcome.firstFrameMs !== undefined ? Math.round(outcome.firstFrameMs) : null,
      ...(outcome.error ? { error: errorMessage(outcome.error) } : {}),
    });
    return outcome;
  }

  handleMedia(payload: Uint8Array, timestampMs: number): void {
    if (this.ended) return;
    this.inboundFrames++;
    this.inboundAudioMs += mulawDurationMs(payload.length);
    this.lastInboundTimestampMs = timestampMs;
    this.audioTap?.inbound(payload);
    this.driver?.onAudio?.(payload, timestampMs);
  }

  handleMark(name: string): void {
    this.marksEchoed++;
    this.player.onMarkEcho(name);
  }

  handleDtmf(digit: string): void {
    if (this.ended) return;
    this.dtmfDigits += digit;
    this.deps.record('call.dtmf', { digit });
    this.driver?.onDtmf?.(digit);
  }

  /** Ends the session from a callback that cannot wait: same as `end`, never rejects. */
  requestEnd(reason: CallEndReason, detail?: Record<string, unknown>): void {
    this.end(reason, detail).catch((err: unknown) => this.deps.log.error({ err }, 'ending the call failed'));
  }

  /**
   * Ends the session once. Order matters: the driver stops first (no new reply, turn or timer can start), then
   * the player closes (speaking afterwards is a no-op), then the log gets the audio summary and `call.ended`.
   */
  end(reason: CallEndReason, detail?: Record<string, unknown>): Promise<void> {
    this.ended ??= (async () => {
      this.endedWith = { reason, detail };
      await this.stopDriver(reason);
      this.player.close();
      await Promise.allSettled([...this.speaking]);
      // The audio has stopped: the recording is finished before the summary, so its event precedes `call.ended`.
      await this.endAudioTap();
      this.deps.record('call.audio_summary', {
        inboundFrames: this.inboundFrames,
        inboundAudioMs: Math.round(this.inboundAudioMs),
        outboundFrames: this.player.framesSent,
        outboundAudioMs: Math.round(this.player.audioMsSent),
        marksSent: this.player.marksSent,
        marksEchoed: this.marksEchoed,
      });
      let extra: Record<string, unknown> = {};
      try {
        extra = this.endDetail();
      } catch (err) {
        this.deps.log.error({ err }, 'end detail failed');
      }
      this.deps.record('call.ended', { reason, durationMs: Date.now() - this.startedAt, ...detail, ...extra });
      // Ending from our side (interview over, outage, drain) hangs up; the caller already heard the last words.
      try {
        this.deps.transport.close(1000, reason);
      } catch (err) {
        this.deps.log.warn({ err }, 'closing the transport failed');
      }
      this.markEnded();
    })();
    return this.ended;
  }

  private async endAudioTap(): Promise<void> {
    const tap = this.audioTap;
    if (!tap) return;
    try {
      if (await timedOut(tap.end(), AUDIO_TAP_END_TIMEOUT_MS)) this.deps.log.warn({ interviewId: this.deps.interviewId, callSid: this.deps.callSid }, 'the audio tap is still finishing: the call ends without waiting');
    } catch (err) {
      this.deps.log.warn({ err, interviewId: this.deps.interviewId, callSid: this.deps.callSid }, 'ending the audio tap failed');
    }
  }

  private driverStopped: Promise<void> | undefined;

  /** Stops the driver once (replies, STT, timers); later calls wait for the same stop. */
  private stopDriver(reason: CallEndReason = 'error'): Promise<void> {
    this.driverStopped ??= (async () => {
      try {
        await this.driver?.onEnd?.(reason);
      } catch (err) {
        this.deps.log.error({ err, interviewId: this.deps.interviewId, callSid: this.deps.callSid }, 'driver end failed');
      }
    })();
    return this.driverStopped;
  }

  /** Waits (bounded) for the tasks this call spawned to finish after the end; true when all did. */
  async settled(timeoutMs = 5000): Promise<boolean> {
    const all = Promise.allSettled([...this.tasks]);
    return !(await timedOut(all, timeoutMs));
  }
}
