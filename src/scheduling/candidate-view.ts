/**
 * What the candidate's own page (`/c/<token>`) shows and lets them do. Before the interview: when the call comes
 * (in their zone), a new time picked from permitted slots only, and opting out. After it: what was recorded about
 * them — the transcript and the evidence the scorecard cites — and two requests that reach a person: a human
 * review of the outcome (GDPR Art. 22) and erasure (Art. 17). Every action is an event on the interview.
 */
import { DateTime } from 'luxon';
import type { InterviewStatus, InterviewView } from '../store/index.js';
import type { EmailSender } from '../providers/email.js';
import { appendEvent } from '../store/events/index.js';
import { AppError } from '../lib/errors.js';
import { buildTranscript } from '../scoring/transcript.js';
import { createScoringRepo } from '../store/repos/scoring.js';
import { inWindow, nextPermitted } from './call-window.js';
import { resolveZones } from './timezone.js';
import { windowForTenant } from './org-window.js';
import { schedulingRepo } from './repo.js';
import { recordOptOut } from './opt-out.js';
import { scheduleCall, SCHEDULABLE, type SchedulingDeps } from './scheduler.js';

export type CandidatePhase = 'before' | 'live' | 'after';

export interface Slot {
  /** ISO instant (the form value). */
  value: string;
  /** "09:30" in the candidate's zone. */
  label: string;
}

export interface CandidateView {
  interviewId: string;
  phase: CandidatePhase;
  status: InterviewStatus;
  candidateName: string;
  roleTitle: string;
  zone: string;
  optedOut: boolean;
  /** The planned call, in the candidate's zone. */
  next: { at: string; label: string } | null;
  /** Permitted times to move the call to, by local day. */
  slots: { day: string; slots: Slot[] }[];
  transcript: { clock: string; speaker: 'interviewer' | 'candidate'; text: string }[];
  evidence: { about: string; clock: string; quote: string }[];
  requests: { review: string | null; erasure: string | null };
}

const SLOT_MINUTES = 30;
const SLOT_DAYS = 7;

const LIVE: readonly InterviewStatus[] = ['calling', 'in_progress'];

export function phaseOf(status: InterviewStatus): CandidatePhase {
  if (LIVE.includes(status)) return 'live';
  if (SCHEDULABLE.includes(status)) return 'before';
  return 'after';
}

/** Slots every 30 minutes on permitted days, permitted in every zone, from `from` for a week. */
export function candidateSlots(from: Date, zones: readonly string[], window: Parameters<typeof nextPermitted>[2], zone: string): { day: string; slots: Slot[] }[] {
  const out = new Map<string, Slot[]>();
  const end = from.getTime() + SLOT_DAYS * 86_400_000;
  let t = ceilToSlot(DateTime.fromJSDate(from, { zone }));
  for (let guard = 0; t.toMillis() <= end && guard < 2000; guard++) {
    const at = t.toJSDate();
    if (zones.every((z) => inWindow(at, z, window))) {
      const day = t.setLocale('en-US').toFormat('cccc d LLLL');
      const list = out.get(day) ?? [];
      list.push({ value: at.toISOString(), label: t.toFormat('HH:mm') });
      out.set(day, list);
      t = t.plus({ minutes: SLOT_MINUTES });
    } else {
      const next = nextPermitted(at, zones, window);
      if (!next) break;
      // Onto the slot grid at or after the opening.
      const rounded = ceilToSlot(DateTime.fromJSDate(next, { zone }));
      t = rounded > t ? rounded : t.plus({ minutes: SLOT_MINUTES });
    }
  }
  return [...out].map(([day, slots]) => ({ day, slots }));
}

/** The first half-hour mark at or after `t`. */
function ceilToSlot(t: DateTime): DateTime {
  const base = t.startOf('minute');
  const r = base.minute % SLOT_MINUTES;
  if (r === 0 && base.toMillis() === t.toMillis()) return t;
  return base.plus({ minutes: SLOT_MINUTES - r });
}

function zonesOf(deps: SchedulingDeps, interview: InterviewView) {
  return resolveZones({ given: interview.candidate.timezone, phone: interview.candidate.phone, fallbackZone: deps.config.scheduling.defaultTimezone });
}

export async function candidateView(deps: SchedulingDeps, interview: InterviewView): Promise<CandidateView> {
  const now = deps.now?.() ?? new Date();
  const repo = schedulingRepo(deps.store.db);
  const pending = await repo.pendingFor(interview.id);
  const optedOut = (await repo.optedOut(interview.tenantId, interview.candidate.phone)) !== null;
  const resolution = zonesOf(deps, interview);
  const zone = pending?.timezone ?? resolution.zones[0] ?? deps.config.scheduling.defaultTimezone;
  const phase = phaseOf(interview.status);
  const { window } = await windowForTenant(deps, interview.tenantId);
  const slotsFrom = new Date(now.getTime() + deps.config.scheduling.headsUpLeadMs + 5 * 60_000);
  const slots = phase === 'before' && !optedOut ? candidateSlots(slotsFrom, resolution.zones, window, zone) : [];

  const events = await deps.store.events.list(interview.id, {});
  const requests = {
    review: events.findLast((e) => e.type === 'candidate.review_requested')?.at.toISOString() ?? null,
    erasure: events.findLast((e) => e.type === 'candidate.erasure_requested')?.at.toISOString() ?? null,
  };
  let transcript: CandidateView['transcript'] = [];
  let evidence: CandidateView['evidence'] = [];
  if (phase === 'after') {
    const t = buildTranscript(events);
    transcript = t.utterances.map((u) => ({ clock: clockOf(u.atMs), speaker: u.speaker, text: u.text }));
    const score = await createScoringRepo(deps.store.db).latestInterviewScore(interview.id);
    evidence = evidenceOf(score?.scorecard);
  }
  return {
    interviewId: interview.id,
    phase,
    status: interview.status,
    candidateName: interview.candidate.name,
    roleTitle: interview.role.title,
    zone,
    optedOut,
    next: pending && phase === 'before' ? { at: pending.dueAt.toISOString(), label: DateTime.fromJSDate(pending.dueAt, { zone }).setLocale('en-US').toFormat("cccc d LLLL 'at' HH:mm ZZZZ") } : null,
    slots,
    transcript,
    evidence,
    requests,
  };
}

function clockOf(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Evidence items of the scorecard, by what they were cited for (no scores: the record, not the verdict). */
export function evidenceOf(scorecard: Record<string, unknown> | null | undefined): CandidateView['evidence'] {
  if (!scorecard) return [];
  const out: CandidateView['evidence'] = [];
  const items = [
    ...((scorecard.dimensions as { name?: string; evidence?: { clock?: string; quote?: string }[] }[] | undefined) ?? []),
    ...((scorecard.gates as { name?: string; evidence?: { clock?: string; quote?: string }[] }[] | undefined) ?? []),
  ];
  for (const item of items) {
    for (const e of item.evidence ?? []) {
      if (typeof e.quote === 'string') out.push({ about: String(item.name ?? ''), clock: String(e.clock ?? ''), quote: e.quote });
    }
  }
  return out;
}

/** The candidate picked a slot: it must be one the page offered (permitted, within the week). */
export async function candidateReschedule(deps: SchedulingDeps, interview: InterviewView, linkId: string, requested: string): Promise<{ at: Date }> {
  const view = await candidateView(deps, interview);
  if (view.phase !== 'before' || view.optedOut) throw new AppError(409, 'not_reschedulable', 'this interview can no longer be moved', { expose: true });
  const offered = view.slots.some((d) => d.slots.some((s) => s.value === requested));
  if (!offered) throw new AppError(400, 'slot_not_offered', 'please pick one of the times offered', { expose: true });
  const planned = await scheduleCall(deps, { interviewId: interview.id, tenantId: interview.tenantId, reason: 'reschedule', notBefore: new Date(requested) });
  await appendEvent(deps.store, interview.id, 'candidate.rescheduled', { linkId, requested, at: planned.at.toISOString() });
  return { at: planned.at };
}

export async function candidateOptOut(deps: SchedulingDeps, interview: InterviewView): Promise<void> {
  await recordOptOut(deps.store, { tenantId: interview.tenantId, phone: interview.candidate.phone, source: 'link', interviewId: interview.id });
}

export type CandidateRequestKind = 'review' | 'erasure';

const REQUEST_COPY: Record<CandidateRequestKind, { subject: string; lead: string; action: string }> = {
  review: {
    subject: 'Candidate asks for a human review',
    lead: 'asked for a person to review the outcome of their automated phone screen (GDPR Art. 22: the candidate may contest an automated assessment; a person decides).',
    action: 'Please review the transcript and the evidence before any decision, and reply to the candidate.',
  },
  erasure: {
    subject: 'Candidate asks for their data to be erased',
    lead: 'asked for their personal data to be erased (GDPR Art. 17: without undue delay, at the latest within one month).',
    action: "Erase the candidate's data (the API's erase route or the dashboard) unless a legal hold applies, and confirm to the candidate.",
  },
};

/** A review or erasure request: an event, and an email to the hiring manager (when the interview names one). */
export async function candidateRequest(
  deps: SchedulingDeps & { email: EmailSender },
  interview: InterviewView,
  input: { kind: CandidateRequestKind; linkId: string; message: string },
): Promise<{ notified: boolean }> {
  const message = input.message.trim().slice(0, 2000);
  const copy = REQUEST_COPY[input.kind];
  let notified = false;
  if (interview.hiringManagerEmail) {
    const link = `${deps.config.publicUrl}/dashboard#/interviews/${interview.id}`;
    const text =
      `${interview.candidate.name} (${interview.role.title}, interview ${interview.id}) ${copy.lead}\n\n` +
      (message ? `Their message:\n${message}\n\n` : '') +
      `${copy.action}\n\nInterview: ${link}\n`;
    try {
      await deps.email.send({
        id: `${input.kind}-${interview.id}-${Date.now()}`,
        to: interview.hiringManagerEmail,
        from: { email: deps.config.email.from, name: deps.config.email.fromName },
        subject: `${copy.subject}: ${interview.candidate.name}, ${interview.role.title}`,
        text,
        html: `<p>${escapeHtml(text).replace(/\n\n/g, '</p><p>').replace(/\n/g, '<br>')}</p>`,
        attachments: [],
      });
      notified = true;
    } catch (err) {
      deps.log.error({ err, interviewId: interview.id, kind: input.kind }, 'could not email the hiring manager about a candidate request');
    }
  }
  const type = input.kind === 'review' ? 'candidate.review_requested' : 'candidate.erasure_requested';
  await appendEvent(deps.store, interview.id, type, { linkId: input.linkId, message, notified });
  return { notified };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
