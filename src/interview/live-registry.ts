/**
 * The process-wide registry of live interviews, keyed by interview id (and by CallSid for the carrier edge). Each
 * entry holds the call's session, interviewer and conversation, plus the surfaces later capabilities attach (the
 * candidate's workspace reaches its interview's interviewer through here). Draining waits on it.
 */
import type { CallSession } from '../voice/call-session.js';
import type { Conversation } from '../voice/conversation.js';
import type { Interviewer } from './interviewer.js';
import type { InterviewView } from '../store/index.js';

/** Something a capability attached to a live interview; closed when the call ends. */
export interface LiveSurface {
  close?(): void | Promise<void>;
}

export interface LiveInterview {
  interviewId: string;
  tenantId: string;
  callSid: string;
  /** The interview as it was when the call started (candidate, role). */
  interview: InterviewView;
  startedAt: number;
  session: CallSession;
  /** Set once the interview is running on the call (undefined while it is being set up). */
  interviewer?: Interviewer;
  conversation?: Conversation;
  /** Capabilities by name (e.g. 'workspace'). */
  surfaces: Map<string, LiveSurface>;
}

export type LiveInterviewListener = (event: 'added' | 'removed', live: LiveInterview) => void;

export class LiveInterviews {
  private readonly byInterview = new Map<string, LiveInterview>();
  private readonly byCallSid = new Map<string, LiveInterview>();
  private readonly listeners = new Set<LiveInterviewListener>();
  private idle: (() => void)[] = [];

  get size(): number {
    return this.byInterview.size;
  }

  values(): IterableIterator<LiveInterview> {
    return this.byInterview.values();
  }

  get(interviewId: string): LiveInterview | undefined {
    return this.byInterview.get(interviewId);
  }

  getByCallSid(callSid: string): LiveInterview | undefined {
    return this.byCallSid.get(callSid);
  }

  /** Adds a live interview; false if the interview (or the CallSid) is already live in this process. */
  add(live: LiveInterview): boolean {
    if (this.byInterview.has(live.interviewId) || this.byCallSid.has(live.callSid)) return false;
    this.byInterview.set(live.interviewId, live);
    this.byCallSid.set(live.callSid, live);
    this.notify('added', live);
    return true;
  }

  remove(live: LiveInterview): void {
    if (this.byInterview.get(live.interviewId) !== live) return;
    this.byInterview.delete(live.interviewId);
    this.byCallSid.delete(live.callSid);
    this.notify('removed', live);
    if (this.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  on(listener: LiveInterviewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no interview is live (at once if none is). */
  whenIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private notify(event: 'added' | 'removed', live: LiveInterview): void {
    for (const listener of this.listeners) {
      try {
        listener(event, live);
      } catch {
        // A listener's bug must not stop the call's bookkeeping.
      }
    }
  }
}
