/**
 * Use case: a media stream has started for an interview — run the interview on it. Builds the per-call
 * provider wrappers (so every fallback lands in this interview's log), the interviewer, and the conversation
 * loop, and attaches them to the call session.
 */
import type { Providers } from '../plugins/providers.js';
import type { InterviewView } from '../store/index.js';
import type { CallSession } from '../voice/call-session.js';
import { Conversation, type ConversationOptions } from '../voice/conversation.js';
import type { EventSink } from '../voice/types.js';
import type { LogSink } from '../lib/logger.js';
import { FallbackChatModel, FallbackSynthesizer } from '../providers/fallback/index.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import { Interviewer, type InterviewerOptions } from './interviewer.js';

export interface StartInterviewDeps {
  providers: Providers;
  record: EventSink;
  log: LogSink;
  /** Per-stage latency (ms) for metrics. */
  observe?: (stage: string, ms: number) => void;
  conversation?: ConversationOptions;
  /** Interviewer tuning (budgets, a prebuilt plan — the demo uses a short one). */
  interviewer?: InterviewerOptions;
}

/**
 * The synthesizer for one call: a chain of several goes behind a fallback wrapper that reports switches to this
 * interview's log (its probes stop with `close`); a single synthesizer is used as it is.
 */
export function callSynthesizer(tts: SpeechSynthesizer[], record: EventSink): { tts: SpeechSynthesizer; close(): void } {
  if (tts.length === 1) return { tts: tts[0]!, close: () => undefined };
  const wrapper = new FallbackSynthesizer(tts, { onEvent: record });
  return { tts: wrapper, close: () => wrapper.close() };
}

export function startInterview(session: CallSession, interview: InterviewView, deps: StartInterviewDeps): Conversation {
  const interviewer = new Interviewer({
    context: {
      interviewId: interview.id,
      candidate: { name: interview.candidate.name },
      role: { title: interview.role.title, level: interview.role.level ?? undefined, description: interview.role.description ?? undefined },
      focus: interview.focus ?? undefined,
    },
    model: deps.providers.chat,
    wrapModel: (primary, planModel) => new FallbackChatModel([primary, planModel], { onEvent: deps.record }),
    record: deps.record,
    options: deps.interviewer,
  });
  const conversation = new Conversation({
    session,
    agent: interviewer,
    stt: deps.providers.stt,
    record: deps.record,
    log: deps.log,
    observe: deps.observe,
    options: deps.conversation,
  });
  session.attach(conversation);
  void conversation.start().catch((err: unknown) => deps.log.error({ err }, 'conversation failed to start'));
  return conversation;
}
