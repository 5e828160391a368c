/**
 * Use case: the live call. A media stream has started for an interview: check its single-use token, put the
 * interview in progress, build the call's session (per-call provider wrappers, so every fallback lands in this
 * interview's log), the interviewer and the conversation, register it, and — however the call ends — clean up once
 * and give the interview a final status that tells a finished interview from one to call back.
 *
 * Transport-independent: the Twilio socket route (and later the browser practice line) hands it a CallTransport
 * and forwards decoded events to the returned handle.
 */
import type { Logger } from '../lib/logger.js';
import { errorMessage } from '../lib/errors.js';
import { callContext } from '../lib/call-context.js';
import { timedOut } from '../lib/abort.js';
import type { Providers } from '../providers/providers.js';
import { FallbackChatModel, FallbackSynthesizer } from '../providers/fallback/index.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import type { Store, InterviewStatus, InterviewView } from '../store/index.js';
import { createEventRecorder } from '../store/event-recorder.js';
import type { EventType, RecordEvent } from '../store/events/catalogue.js';
import { CallSession, type CallEndReason } from '../voice/call-session.js';
import { Conversation, type ConversationOptions } from '../voice/conversation.js';
import type { CallTransport } from '../voice/types.js';
import { Interviewer, type InterviewContext, type InterviewerOptions } from './interviewer.js';
import type { InterviewTools } from './tools.js';
import type { LiveInterview, LiveInterviews } from './live-registry.js';
import { estimateCost, TtsCharacterMeter, type CostEstimate } from './cost.js';
import type { CostPrices } from '../config.js';

export interface StreamStart {
  /** The single-use stream token the webhook issued (Twilio `<Parameter name="token">`). */
  token: string | undefined;
  callSid: string;
  streamSid: string;
  tracks: string[];
  mediaFormat: { encoding: string; sampleRate: number; channels: number };
}

/** What the carrier edge forwards to a live call. Every method is safe to call after the call has ended. */
export interface LiveCallHandle {
  readonly live: LiveInterview;
  media(payload: Uint8Array, timestampMs: number): void;
  mark(name: string): void;
  dtmf(digit: string): void;
  /** The caller hung up (`stop`) or the socket closed. */
  hangup(how: { stop: boolean; code: number; reason: string }): void;
}

export interface LiveCallMetrics {
  callStarted(): void;
  callEnded(reason: string, status: InterviewStatus): void;
  turnStage(stage: string, ms: number): void;
  fault(where: string): void;
  invalidEvent(type: string): void;
  /** Every event the call records (barge-ins, fallbacks, provider errors → counters). */
  event?(type: string, payload: Record<string, unknown>): void;
  /** The call's cost estimate, once, as it ends. */
  cost?(estimate: CostEstimate): void;
}

export interface EndedCall {
  interviewId: string;
  callSid: string;
  reason: CallEndReason;
  status: InterviewStatus;
  stageReached: string;
}

/**
 * What a capability (grounding, the workspace, scoring, the simulator) adds to every call. A hook's failure is
 * logged and never ends the call: the interview goes on without that capability.
 */
export interface LiveCallHooks {
  /** Before the interviewer is built: more context for it (e.g. the grounding brief). Bounded by PREPARE_TIMEOUT_MS. */
  prepare?(interview: InterviewView): Promise<Partial<InterviewContext> | undefined>;
  /** Tools for this interview's interviewer (grounding, surfaces). */
  tools?(interview: InterviewView, live: LiveInterview): InterviewTools | undefined;
  /** Every event this call records, after it is recorded (consent given → text the link; stage closed → score). */
  observe?(type: EventType, payload: Record<string, unknown>, live: LiveInterview): void | Promise<void>;
  /** The call has ended and its status is written (scoring, simulator clean-up, …). */
  onEnded?(ended: EndedCall): void | Promise<void>;
}

/** Preparing context must not hold up the opening for long: past this the call starts without it. */
export const PREPARE_TIMEOUT_MS = 1500;

export interface LiveCallDeps {
  store: Store;
  providers: Providers;
  registry: LiveInterviews;
  metrics: LiveCallMetrics;
  log: Logger;
  conversation?: ConversationOptions;
  interviewer?: InterviewerOptions;
  hooks?: LiveCallHooks[];
  /** Prices for the call's cost estimate (`call.cost`); unset → no estimate. */
  prices?: CostPrices;
}

/** The synthesizer for one call: a chain goes behind a fallback wrapper sharing the process's health board. */
export function callSynthesizer(providers: Providers, record: RecordEvent): { tts: SpeechSynthesizer; close(): void } {
  const { tts } = providers;
  if (tts.length === 1) return { tts: tts[0]!, close: () => undefined };
  const wrapper = new FallbackSynthesizer(tts, { onEvent: record, board: providers.health.tts });
  return { tts: wrapper, close: () => wrapper.close() };
}

/**
 * The interview's final status from how the call ended. Only an interview that reached its close is `completed`;
 * a hang-up, a dropped socket, an outage or a fault before that is `incomplete` (the scheduler can call back); a
 * call the drain cut off is `interrupted` (a callback resumes it).
 */
export function finalStatus(reason: CallEndReason, cause: unknown, interviewEnded: string | undefined): InterviewStatus {
  // The agent's own ending counts even when the candidate hangs up during its closing line (as people who say
  // "stop calling me" do): otherwise the call would be `incomplete` and called back.
  if (cause === 'consent_refused' || interviewEnded === 'consent_refused') return 'consent_refused';
  if (cause === 'opt_out' || interviewEnded === 'opt_out') return 'canceled';
  if (interviewEnded !== undefined && interviewEnded !== 'consent_refused' && interviewEnded !== 'opt_out') return 'completed';
  if (reason === 'completed') return 'completed';
  // Cut off by our own drain: the callback resumes where it stopped (recovery/).
  if (reason === 'draining') return 'interrupted';
  return 'incomplete';
}

export async function startLiveCall(deps: LiveCallDeps, start: StreamStart, transport: CallTransport): Promise<LiveCallHandle | { refuse: string }> {
  const { store, log } = deps;
  if (!start.token) return { refuse: 'start carried no stream token' };
  const consumed = await store.streamTokens.consume(start.token, start.callSid);
  if ('error' in consumed) {
    log.warn({ callSid: start.callSid, error: consumed.error }, 'stream token refused');
    return { refuse: `stream token ${consumed.error}` };
  }
  const interview = await store.interviews.get(consumed.interviewId);
  if (!interview) return { refuse: 'interview not found' };
  if (deps.registry.get(interview.id)) return { refuse: 'interview already live in this process' };

  const ids = { interviewId: interview.id, callSid: start.callSid };
  // Everything the call starts from here on carries its ids (see lib/call-context.ts).
  return callContext.run(ids, () => runLiveCall(deps, start, transport, interview));
}

async function runLiveCall(deps: LiveCallDeps, start: StreamStart, transport: CallTransport, interview: InterviewView): Promise<LiveCallHandle> {
  const { store, log } = deps;
  const ids = { interviewId: interview.id, callSid: start.callSid };
  const clog = log.child(ids);
  const recorder = createEventRecorder(store, interview.id, clog, { onInvalid: (type) => deps.metrics.invalidEvent(type) });
  const hooks = deps.hooks ?? [];
  const observers = hooks.filter((h) => h.observe);
  let sttSeconds = 0;
  // Every event goes to the log, then to the metrics and the capabilities watching this call (a watcher's failure is only logged).
  const record: RecordEvent = (type, payload) => {
    recorder.record(type, payload);
    deps.metrics.event?.(type, payload as Record<string, unknown>);
    if (type === 'call.audio_summary') sttSeconds = (payload as { inboundAudioMs: number }).inboundAudioMs / 1000;
    for (const hook of observers) {
      try {
        const watched = hook.observe!(type, payload as Record<string, unknown>, live);
        if (watched) watched.catch((err: unknown) => clog.warn({ err, eventType: type }, 'a call capability failed on an event'));
      } catch (err) {
        clog.warn({ err, eventType: type }, 'a call capability failed on an event');
      }
    }
  };
  const synth = callSynthesizer(deps.providers, record);
  const ttsMeter = new TtsCharacterMeter();
  const session = new CallSession({
    interviewId: interview.id,
    callSid: start.callSid,
    streamSid: start.streamSid,
    transport,
    tts: ttsMeter.wrap(synth.tts),
    record,
    log: clog,
    onFault: (where) => deps.metrics.fault(where),
  });
  const live: LiveInterview = {
    interviewId: interview.id,
    tenantId: interview.tenantId,
    callSid: start.callSid,
    interview,
    startedAt: Date.now(),
    session,
    surfaces: new Map(),
  };
  deps.registry.add(live);
  deps.metrics.callStarted();

  let outcome: { status: InterviewStatus; stageReached: string } | undefined;
  const decide = () => {
    const ended = session.endedWith;
    const stageReached = live.interviewer?.stage ?? 'greeting';
    outcome ??= { status: finalStatus(ended?.reason ?? 'error', ended?.detail?.cause, live.interviewer?.ended), stageReached };
    return outcome;
  };
  // Written just before `call.ended` (the audio summary is in by then): what the call used and what it cost.
  const recordCost = () => {
    if (!deps.prices) return;
    const estimate = estimateCost(
      {
        sttSeconds,
        llmPromptTokens: live.interviewer?.llmUsage.promptTokens ?? 0,
        llmCompletionTokens: live.interviewer?.llmUsage.completionTokens ?? 0,
        ttsCharacters: ttsMeter.characters,
        telephonySeconds: (Date.now() - session.startedAt) / 1000,
      },
      deps.prices,
    );
    record('call.cost', estimate);
    deps.metrics.cost?.(estimate);
  };
  session.endDetail = () => {
    try {
      recordCost();
    } catch (err) {
      clog.error({ err }, 'cost estimate failed');
    }
    return decide();
  };
  session.done.then(() => finish()).catch((err: unknown) => clog.error({ err }, 'cleaning up the call failed'));

  async function finish(): Promise<void> {
    const { status, stageReached } = decide();
    const reason = session.endedWith?.reason ?? 'error';
    const steps: [string, () => unknown][] = [
      ['tts', () => synth.close()],
      ['surfaces', () => Promise.all([...live.surfaces.values()].map((s) => s.close?.()))],
      ['metrics', () => deps.metrics.callEnded(reason, status)],
      ['status', () => store.interviews.transition(interview!.id, status, { from: ['scheduled', 'calling', 'in_progress'], stageReached })],
      ['flush', () => recorder.flush()],
    ];
    for (const [step, run] of steps) {
      try {
        await run();
      } catch (err) {
        clog.error({ err, step }, 'call clean-up step failed');
      }
    }
    for (const hook of hooks) {
      try {
        await hook.onEnded?.({ interviewId: interview!.id, callSid: start.callSid, reason, status, stageReached });
      } catch (err) {
        clog.error({ err }, 'call end hook failed');
      }
    }
    // Last: the drain waits for an empty registry before the database closes, so the end hooks' work (a drained
    // call's callback, the scoring jobs) must be done by then. Removed earlier, a drained call's callback was lost.
    try {
      deps.registry.remove(live);
    } catch (err) {
      clog.error({ err, step: 'registry' }, 'call clean-up step failed');
    }
    clog.info({ reason, status, stageReached }, 'call ended');
  }

  try {
    await store.interviews.transition(interview.id, 'in_progress', { from: ['scheduled', 'calling'] });
    record('call.stream_started', { callSid: start.callSid, streamSid: start.streamSid, tracks: start.tracks, mediaFormat: start.mediaFormat });
    const context: InterviewContext = {
      interviewId: interview.id,
      candidate: { name: interview.candidate.name },
      role: { title: interview.role.title, level: interview.role.level ?? undefined, description: interview.role.description ?? undefined },
      focus: interview.focus ?? undefined,
    };
    for (const hook of hooks.filter((h) => h.prepare)) {
      try {
        const prepared = hook.prepare!(interview);
        if (await timedOut(prepared, PREPARE_TIMEOUT_MS)) clog.warn({ timeoutMs: PREPARE_TIMEOUT_MS }, 'call context not ready in time: starting without it');
        else Object.assign(context, await prepared);
      } catch (err) {
        clog.warn({ err }, 'preparing call context failed: starting without it');
      }
    }
    const tools: InterviewTools = {};
    for (const hook of hooks) {
      try {
        Object.assign(tools, hook.tools?.(interview, live));
      } catch (err) {
        clog.warn({ err }, 'a call capability could not provide its tools');
      }
    }
    const interviewer = new Interviewer({
      context,
      model: deps.providers.chat,
      wrapModel: (primary, planModel) => new FallbackChatModel([primary, planModel], { onEvent: record, board: deps.providers.health.llm }),
      record,
      tools: tools.grounding || tools.surfaces ? tools : undefined,
      options: deps.interviewer,
    });
    const conversation = new Conversation({
      session,
      agent: interviewer,
      stt: deps.providers.stt,
      record,
      log: clog,
      observe: (stage, ms) => deps.metrics.turnStage(stage, ms),
      options: deps.conversation,
    });
    live.interviewer = interviewer;
    live.conversation = conversation;
    session.attach(conversation);
    session.spawn('conversation', () => conversation.start());
    clog.info('media stream started');
  } catch (err) {
    // Setting the call up failed: it ends like any other fault of this call, and `finish` cleans up.
    clog.error({ err: errorMessage(err) }, 'starting the interview failed');
    await session.fail('start', err);
  }

  // Frames arrive on the socket's context: run each inside the call's, so timers it starts carry the call's ids.
  const media = session.guard('media', (payload: Uint8Array, timestampMs: number) => session.handleMedia(payload, timestampMs));
  const mark = session.guard('mark', (name: string) => session.handleMark(name));
  const dtmf = session.guard('dtmf', (digit: string) => session.handleDtmf(digit));
  return {
    live,
    media: (payload, timestampMs) => callContext.run(ids, media, payload, timestampMs),
    mark: (name) => callContext.run(ids, mark, name),
    dtmf: (digit) => callContext.run(ids, dtmf, digit),
    hangup: (how) => callContext.run(ids, () => session.requestEnd(how.stop ? 'stop' : 'socket_closed', { closeCode: how.code, closeReason: how.reason || null })),
  };
}
