/**
 * The browser practice line, server side: take an interview from a browser with no phone. The page speaks Twilio's
 * Media Streams protocol to the same live-call use case as the phone (routes/twilio/media.ts `serveMediaStream`);
 * what this module adds is what Twilio's webhook does for a phone call — mint a CallSid and a single-use stream
 * token for it — plus the workspace link beside it, the page's transcript feed and the typed-answer port.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { PracticeCheck, PracticeRepo } from '../store/repos/practice.js';
import type { WorkspaceRepo } from '../store/repos/workspace.js';
import type { LiveInterviews } from '../interview/live-registry.js';
import { callContext } from '../lib/call-context.js';

export type PracticeMode = 'voice' | 'typed';
/** What transcribes speech on this deployment: Deepgram, or the simulator (scripted candidates only). */
export type Transcription = 'deepgram' | 'simulator';

export interface PracticeDeps {
  store: Store;
  links: PracticeRepo;
  workspaceLinks: WorkspaceRepo;
  registry: LiveInterviews;
  publicUrl: string;
  workspaceLinkMaxAgeMs: number;
  transcription: Transcription;
}

export interface PracticeCallStart {
  callSid: string;
  streamSid: string;
  accountSid: string;
  /** Goes in `start.customParameters.token`, exactly as the phone's `<Parameter name="token">`. */
  streamToken: string;
  /** The candidate's workspace for this interview (opens beside the practice page). */
  workspaceUrl: string;
  mode: PracticeMode;
  transcription: Transcription;
}

/** Twilio-shaped SIDs, so the practice call passes every check a phone call does. */
const sid = (prefix: 'CA' | 'MZ' | 'AC') => prefix + randomBytes(16).toString('hex');

/** Records a refusal in the interview's log when the link belonged to one. */
export async function recordRefusal(store: Store, check: Exclude<PracticeCheck, { ok: true }>): Promise<void> {
  if (!check.interviewId || !check.linkId) return;
  await store.events.append(check.interviewId, 'practice.link_refused', { linkId: check.linkId, reason: check.reason });
}

/** Claims the link for a new practice call and mints what the page's `start` message carries. */
export async function startPracticeCall(deps: PracticeDeps, token: string, mode: PracticeMode): Promise<PracticeCallStart | Exclude<PracticeCheck, { ok: true }>> {
  const callSid = sid('CA');
  const claimed = await deps.links.claim(token, callSid);
  if (!claimed.ok) return claimed;
  const streamToken = await deps.store.streamTokens.issue(claimed.interviewId, callSid);
  const workspace = await deps.workspaceLinks.issueLink({
    interviewId: claimed.interviewId,
    tenantId: claimed.tenantId,
    reason: 'practice',
    maxAgeMs: deps.workspaceLinkMaxAgeMs,
  });
  await deps.store.events.append(claimed.interviewId, 'practice.started', { linkId: claimed.linkId, callSid, mode, transcription: deps.transcription });
  return {
    callSid,
    streamSid: sid('MZ'),
    accountSid: sid('AC'),
    streamToken,
    workspaceUrl: `${deps.publicUrl.replace(/\/$/, '')}/w/${workspace.token}`,
    mode,
    transcription: deps.transcription,
  };
}

export type TypedOutcome = 'accepted' | 'not_live';

/** A typed answer for the link's own live call, into the conversation's typed-answer port. */
export function typedAnswer(registry: LiveInterviews, link: { interviewId: string; callSid: string | null }, text: string): TypedOutcome {
  const live = registry.get(link.interviewId);
  if (!live || !live.conversation || link.callSid === null || live.callSid !== link.callSid) return 'not_live';
  const conversation = live.conversation;
  callContext.run({ interviewId: live.interviewId, callSid: live.callSid }, () => conversation.typedTurn(text));
  return 'accepted';
}

export interface TranscriptLine {
  seq: number;
  who: 'agent' | 'candidate';
  text: string;
  /** The agent was cut off (barge-in), or the candidate's turn interrupted the agent. */
  interrupted: boolean;
  typed?: boolean;
}

export interface PracticeTranscript {
  lines: TranscriptLine[];
  /** The last seq read: the next poll asks for events after it. */
  lastSeq: number;
  ended: { status: string; reason: string } | null;
}

const FEED_TYPES = ['agent.speech', 'transcript.turn', 'call.ended'];

/** What the page shows: the agent's lines as heard and the candidate's turns, read from the event log. */
export async function practiceTranscript(store: Store, interviewId: string, afterSeq: number): Promise<PracticeTranscript> {
  const events = await store.events.list(interviewId, { afterSeq, types: FEED_TYPES, limit: 200 });
  const lines: TranscriptLine[] = [];
  let ended: PracticeTranscript['ended'] = null;
  let lastSeq = afterSeq;
  for (const e of events) {
    lastSeq = e.seq;
    const p = e.payload;
    if (e.type === 'agent.speech') {
      const text = String(p.heard || p.planned || '');
      if (text) lines.push({ seq: e.seq, who: 'agent', text, interrupted: p.interrupted === true });
    } else if (e.type === 'transcript.turn') {
      lines.push({ seq: e.seq, who: 'candidate', text: String(p.text ?? ''), interrupted: p.bargedIn === true, typed: p.endReason === 'typed' });
    } else if (e.type === 'call.ended') {
      ended = { status: String(p.status ?? ''), reason: String(p.reason ?? '') };
    }
  }
  return { lines, lastSeq, ended };
}
