/**
 * Use case: plan the call of an interview at the next permitted time in the candidate's time zone. The plan is a
 * `scheduled_calls` row (the source of truth: a restart loses nothing) plus a queue job that dials it — a BullMQ
 * delayed job, or with the in-process queue a job the due-row poller enqueues (dial-job.ts). Every decision is a
 * `schedule.decided` event whose text says why, in the candidate's local time.
 */
import type { Store } from '../store/store.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config.js';
import type { InterviewStatus, InterviewView } from '../store/index.js';
import type { SmsSender } from '../workspace/sms.js';
import { appendEvent } from '../store/events/index.js';
import { AppError, notFound } from '../lib/errors.js';
import { schedulingRepo, type ScheduledCall } from './repo.js';
import { resolveZones, type ZoneResolution } from './timezone.js';
import { DateTime } from 'luxon';
import { describeLocal, describeWindow, isValidZone, nextPermitted, type CallWindow } from './call-window.js';
import { windowForTenant } from './org-window.js';
import { sendHeadsUp } from './heads-up.js';
import { rememberTimezone, setScheduled, setScheduledAt } from './interview-state.js';

export interface SchedulingDeps {
  store: Store;
  queue: JobQueue;
  log: Logger;
  config: Config;
  now?: () => Date;
  /** Texts (heads-up). Default: Twilio when configured, else the local outbox (sms-sender.ts). */
  sms?: SmsSender;
}

export interface ScheduleRequest {
  interviewId: string;
  tenantId: string;
  reason: 'created' | 'ats' | 'retry' | 'callback' | 'reschedule' | 'manual';
  notBefore?: Date;
  timezone?: string;
  resumeFromStage?: string;
}

export const DIAL_JOB = 'call.dial';
export interface DialJobData {
  scheduledCallId: string;
}

/** Statuses from which a call can be (re)planned: never a running call, never a finished or refused interview. */
export const SCHEDULABLE: readonly InterviewStatus[] = ['scheduled', 'no_answer', 'busy', 'failed', 'voicemail', 'incomplete', 'interrupted'];

const nowOf = (deps: Pick<SchedulingDeps, 'now'>) => deps.now?.() ?? new Date();

export interface Decision {
  at: Date;
  zone: string;
  zones: readonly string[];
  resolution: ZoneResolution;
  window: CallWindow;
  windowText: string;
  text: string;
}

/** A decision as the `schedule.decided` event's fields (text, time, zones, window). */
export function decisionFields(decision: Decision) {
  return {
    text: decision.text,
    at: decision.at.toISOString(),
    timezone: decision.zone,
    zones: [...decision.zones],
    zoneSource: decision.resolution.source,
    window: decision.windowText,
  };
}

/** The next permitted time ≥ `earliest` for this interview, with the words that explain it. */
export async function decide(
  deps: Pick<SchedulingDeps, 'store' | 'config' | 'log'>,
  interview: InterviewView,
  earliest: Date,
  opts: { timezone?: string; requested?: boolean; now: Date; /** The instant the decision is about (now, or the requested time), before the heads-up lead. */ asked?: Date; retry?: boolean },
): Promise<Decision | { error: string }> {
  const resolution = resolveZones({
    given: opts.timezone ?? interview.candidate.timezone,
    phone: interview.candidate.phone,
    fallbackZone: deps.config.scheduling.defaultTimezone,
  });
  const org = await windowForTenant(deps, interview.tenantId);
  const window = org.window;
  const windowText = `${describeWindow(window)}${org.source === 'organisation' ? ' (organisation)' : ''}${org.clamped ? ', clamped to the legal 08:00–21:00' : ''}`;
  let zones = resolution.zones;
  let at = nextPermitted(earliest, zones, window);
  let note = '';
  if (!at && zones.length > 1) {
    // The zones of a wide country share no permitted hour: the first listed zone decides, and we say so.
    zones = [zones[0]!];
    note = `; no hour suits every zone of ${resolution.detail}, so ${zones[0]} decides`;
    at = nextPermitted(earliest, zones, window);
  }
  if (!at) return { error: `no permitted time within three weeks in ${zones.join(', ')} (window ${windowText})` };
  const zone = zones[0]!;
  const where = zones.length > 1 ? `${zone} (and ${zones.length - 1} more zones of ${resolution.detail}: permitted in all)` : `${zone} (${resolution.detail})`;
  const asked = opts.asked ?? earliest;
  const atLocal = DateTime.fromJSDate(at, { zone });
  let text: string;
  if (at.getTime() - earliest.getTime() < 1000) {
    const lead = earliest.getTime() - asked.getTime() >= 1000 ? ' (after the heads-up text)' : '';
    const verb = at.getTime() - (opts.now.getTime()) < 1000 ? 'calling now' : opts.requested ? 'calling at the requested time' : 'calling';
    text = `${verb}: ${describeLocal(at, zone)}${lead}, inside ${windowText}; zone from ${where}${note}`;
  } else {
    const next = atLocal.toFormat('HH:mm') + (atLocal.hasSame(DateTime.fromJSDate(asked, { zone }), 'day') ? ' today' : ` on ${atLocal.setLocale('en-US').toFormat('ccc d LLL')}`);
    const label = opts.retry ? 'retry outside the window' : opts.requested ? 'not at the requested time' : 'not calling now';
    text = `${label}: ${describeLocal(asked, zone).replace(/^\S+ /, '')}; next window ${next} — window ${windowText}; zone from ${where}${note}`;
  }
  return { at, zone, zones, resolution, window, windowText, text };
}

export async function scheduleCall(deps: SchedulingDeps, req: ScheduleRequest): Promise<{ at: Date; jobId: string }> {
  const now = nowOf(deps);
  const repo = schedulingRepo(deps.store.db);
  const interview = await deps.store.interviews.get(req.interviewId, { tenantId: req.tenantId });
  if (!interview) throw notFound('interview', req.interviewId);
  const base = { reason: req.reason };
  if (!SCHEDULABLE.includes(interview.status)) {
    throw new AppError(409, 'interview_not_schedulable', `interview ${interview.id} is ${interview.status}; only ${SCHEDULABLE.join(', ')} interviews can be scheduled`, { expose: true });
  }
  const optOut = await repo.optedOut(interview.tenantId, interview.candidate.phone);
  if (optOut) {
    await appendEvent(deps.store, interview.id, 'schedule.decided', {
      ...base,
      outcome: 'opted_out',
      at: null,
      text: `not calling: the number opted out (${optOut.source}${optOut.keyword ? ` "${optOut.keyword}"` : ''}) on ${optOut.createdAt.toISOString()}`,
    });
    throw new AppError(409, 'opted_out', 'the candidate has opted out of calls and texts from this organisation', { expose: true });
  }

  if (isValidZone(req.timezone) && req.timezone !== interview.candidate.timezone) {
    await rememberTimezone(deps.store.db, interview.candidate.id, req.timezone);
    interview.candidate.timezone = req.timezone;
  }
  const previous = (await repo.pendingFor(interview.id)) ?? (await repo.latestFor(interview.id));
  const attempt = req.reason === 'retry' ? (previous?.attempt ?? 1) + 1 : req.reason === 'created' || req.reason === 'ats' ? 1 : (previous?.attempt ?? 1);
  const maxAttempts = deps.config.scheduling.maxAttempts;
  if (attempt > maxAttempts) {
    await appendEvent(deps.store, interview.id, 'schedule.decided', {
      ...base,
      outcome: 'exhausted',
      at: null,
      attempt,
      maxAttempts,
      text: `not calling again: ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'} made (CALL_MAX_ATTEMPTS)`,
    });
    throw new AppError(409, 'attempts_exhausted', `interview ${interview.id} has had its ${maxAttempts} call attempts`, { expose: true });
  }

  // A heads-up text goes first unless this is a quiet retry: the call then waits at least the lead time.
  const texts = req.reason !== 'retry';
  const requested = req.notBefore !== undefined && req.notBefore.getTime() > now.getTime();
  let earliest = new Date(Math.max(now.getTime(), req.notBefore?.getTime() ?? 0));
  if (texts) earliest = new Date(Math.max(earliest.getTime(), now.getTime() + deps.config.scheduling.headsUpLeadMs));
  const asked = new Date(Math.max(now.getTime(), req.notBefore?.getTime() ?? 0));
  const decision = await decide(deps, interview, earliest, { timezone: req.timezone, requested, now, asked, retry: req.reason === 'retry' });
  if ('error' in decision) {
    await appendEvent(deps.store, interview.id, 'schedule.decided', { ...base, outcome: 'no_window', at: null, text: `not calling: ${decision.error}` });
    throw new AppError(409, 'no_permitted_time', decision.error, { expose: true });
  }

  const row = await repo.plan({
    interviewId: interview.id,
    tenantId: interview.tenantId,
    dueAt: decision.at,
    reason: req.reason,
    attempt,
    timezone: decision.zone,
    resumeFromStage: req.resumeFromStage,
  });
  // A new plan says "scheduled"; a retry or callback keeps the last outcome (busy, interrupted, …) until it dials.
  const quiet = req.reason === 'retry' || req.reason === 'callback';
  const reopened = quiet
    ? await setScheduledAt(deps.store.db, interview.id, decision.at, SCHEDULABLE)
    : await setScheduled(deps.store.db, interview.id, decision.at, SCHEDULABLE);
  if (!reopened) {
    await repo.finish(row.id, 'canceled');
    throw new AppError(409, 'interview_not_schedulable', `interview ${interview.id} changed state while it was being scheduled`, { expose: true });
  }
  await appendEvent(deps.store, interview.id, 'schedule.decided', {
    ...base,
    outcome: 'scheduled',
    ...decisionFields(decision),
    attempt,
    maxAttempts,
    scheduledCallId: row.id,
    jobId: row.jobId,
  });
  deps.log.info({ interviewId: interview.id, at: decision.at.toISOString(), reason: req.reason, attempt }, decision.text);
  await enqueueDial(deps, row, now);
  if (texts) await sendHeadsUp(deps, interview, decision.at, decision.zone);
  return { at: decision.at, jobId: row.jobId };
}

/**
 * BullMQ keeps delayed jobs across restarts, so the row's job goes in with its delay. The in-process queue's
 * timers die with the process, so it only ever gets due rows: the due-row poller (every CALL_POLL_MS) enqueues
 * them, and also whatever a restart left pending. The same job id never runs twice while one is queued, and the
 * row claim makes a second run a no-op.
 */
export async function enqueueDial(deps: Pick<SchedulingDeps, 'queue' | 'log'>, row: ScheduledCall, now: Date): Promise<void> {
  const delayMs = Math.max(0, row.dueAt.getTime() - now.getTime());
  if (delayMs > 0 && deps.queue.kind === 'in-process') return;
  try {
    await deps.queue.enqueue<DialJobData>(DIAL_JOB, { scheduledCallId: row.id }, { jobId: row.jobId, delayMs });
  } catch (err) {
    // The row stays pending: the poller enqueues it when due.
    deps.log.warn({ err, scheduledCallId: row.id }, 'could not enqueue the dial job; the due-row poller will');
  }
}

/** Cancels the interview's planned call and the interview itself (recruiter). Idempotent. */
export async function cancelInterview(
  deps: SchedulingDeps,
  req: { interviewId: string; tenantId: string; reason: string },
): Promise<{ status: InterviewStatus; canceledScheduledCall: boolean }> {
  const interview = await deps.store.interviews.get(req.interviewId, { tenantId: req.tenantId });
  if (!interview) throw notFound('interview', req.interviewId);
  if (interview.status === 'canceled') return { status: 'canceled', canceledScheduledCall: false };
  if (!SCHEDULABLE.includes(interview.status)) {
    throw new AppError(409, 'interview_not_cancelable', `interview ${interview.id} is ${interview.status}; only ${SCHEDULABLE.join(', ')} interviews can be canceled`, { expose: true });
  }
  const row = await schedulingRepo(deps.store.db).cancelPending(interview.id);
  const moved = await deps.store.interviews.transition(interview.id, 'canceled', { from: [...SCHEDULABLE] });
  if (!moved) throw new AppError(409, 'interview_not_cancelable', `interview ${interview.id} changed state while it was being canceled`, { expose: true });
  await appendEvent(deps.store, interview.id, 'schedule.decided', {
    reason: req.reason,
    outcome: 'canceled',
    at: null,
    text: `canceled (${req.reason})${row ? `: the call planned for ${row.dueAt.toISOString()} will not be placed` : ''}`,
    ...(row ? { scheduledCallId: row.id } : {}),
  });
  return { status: 'canceled', canceledScheduledCall: Boolean(row) };
}

export type CallOutcome = 'busy' | 'no_answer' | 'failed' | 'voicemail';

/**
 * A dial ended without an interview (final status busy / no-answer / failed, or an answering machine): retry
 * after a backoff that doubles per attempt, within permitted hours, while attempts remain.
 */
export async function onCallOutcome(
  deps: SchedulingDeps,
  input: { interviewId: string; tenantId?: string; outcome: CallOutcome },
): Promise<{ at: Date; jobId: string } | null> {
  const interview = await deps.store.interviews.get(input.interviewId, input.tenantId ? { tenantId: input.tenantId } : {});
  if (!interview) return null;
  const last = await schedulingRepo(deps.store.db).latestFor(interview.id);
  const attempt = last?.attempt ?? 1;
  const backoffMs = deps.config.scheduling.retryBackoffMs * 2 ** (attempt - 1);
  try {
    return await scheduleCall(deps, {
      interviewId: interview.id,
      tenantId: interview.tenantId,
      reason: 'retry',
      notBefore: new Date(nowOf(deps).getTime() + backoffMs),
    });
  } catch (err) {
    // Exhausted, opted out, or canceled meanwhile: the decision event already says so.
    if (err instanceof AppError && err.statusCode === 409) return null;
    throw err;
  }
}
