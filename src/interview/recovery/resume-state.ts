/**
 * The state of an interrupted interview, rebuilt from its event log: the stage its last call reached, whether
 * consent was given, and the questions the candidate already heard and answered. A callback's interviewer
 * starts from it (interviewer.ts), so it picks up at that stage and never asks an answered question again.
 */
import { isStageName, stageIndex, type StageName } from '../stages.js';

export interface ResumeState {
  /** The furthest stage a previous call reached. */
  stage: StageName;
  /** Agent lines the candidate heard and then answered (matched against the plan's question texts). */
  answered: string[];
  consentGiven: boolean;
  /** Why the last call was cut off (`call.interrupted`'s reason). */
  interruptedBy: string;
}

export interface LoggedEvent {
  type: string;
  payload: Record<string, unknown>;
}

/**
 * The resume state when the log shows an interrupted call (a drain that ran out of time, a process that died);
 * undefined otherwise (a first call, or a hang-up: those start over).
 */
export function rebuildResumeState(events: readonly LoggedEvent[]): ResumeState | undefined {
  const interrupted = events.filter((e) => e.type === 'call.interrupted').at(-1);
  if (!interrupted) return undefined;
  let stage: StageName = 'greeting';
  let consentGiven = false;
  let lastHeard: string | undefined;
  const answered: string[] = [];
  for (const e of events) {
    const p = e.payload;
    if (e.type === 'interview.stage' && isStageName(p.to) && stageIndex(p.to) > stageIndex(stage)) stage = p.to;
    else if (e.type === 'interview.consent' && p.action === 'proceed') consentGiven = true;
    else if (e.type === 'agent.speech' && typeof p.heard === 'string' && p.heard.trim()) lastHeard = p.heard;
    else if (e.type === 'interview.turn' && p.stage !== 'greeting' && lastHeard && typeof p.text === 'string' && p.text.trim()) {
      answered.push(lastHeard);
      lastHeard = undefined;
    }
  }
  // Past the greeting means consent was given, even if its event did not reach the log before a crash.
  if (stage !== 'greeting') consentGiven = true;
  return { stage, answered, consentGiven, interruptedBy: String(interrupted.payload.reason ?? 'unknown') };
}

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** True when the candidate heard this question in full (or nearly: its first 60 characters) and answered it. */
export function wasAnswered(questionText: string, state: Pick<ResumeState, 'answered'>): boolean {
  const q = squash(questionText);
  const probe = q.length > 60 ? q.slice(0, 60) : q;
  return probe.length > 0 && state.answered.some((line) => squash(line).includes(probe));
}
