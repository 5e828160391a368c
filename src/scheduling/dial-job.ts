/**
 * The dial at a planned time: the `call.dial` job claims its `scheduled_calls` row (once, whoever gets there
 * first), checks the opt-out register and the calling window again (the clock moved on, or a restart ran late),
 * and places the call. The due-row poller enqueues pending rows that are due, so a planned call survives the
 * in-process queue dying with its process (and a lost Redis delayed job).
 */
import type { TwilioRest } from '../telephony/twilio/rest.js';
import { appendEvent } from '../store/events/index.js';
import { AppError, errorMessage } from '../lib/errors.js';
import { placeCall } from './place-call.js';
import { schedulingRepo } from './repo.js';
import { isOptedOut } from './opt-out.js';
import { resolveZones } from './timezone.js';
import { inWindow } from './call-window.js';
import { windowForTenant } from './org-window.js';
import { DIAL_JOB, enqueueDial, onCallOutcome, scheduleCall, SCHEDULABLE, type DialJobData, type SchedulingDeps } from './scheduler.js';
import { setScheduled } from './interview-state.js';

export interface DialDeps extends SchedulingDeps {
  /** Unset: telephony not configured, the dial is recorded as failed with the reason. */
  rest?: TwilioRest;
}

export async function dialDue(deps: DialDeps, data: DialJobData): Promise<'dialed' | 'skipped' | 'deferred' | 'failed'> {
  const repo = schedulingRepo(deps.store.db);
  const now = deps.now?.() ?? new Date();
  const row = await repo.claim(data.scheduledCallId);
  // Superseded, canceled or already dialed by another worker: nothing to do.
  if (!row) return 'skipped';
  await appendEvent(deps.store, row.interviewId, 'schedule.dialing', {
    scheduledCallId: row.id,
    attempt: row.attempt,
    reason: row.reason,
    lateMs: Math.max(0, now.getTime() - row.dueAt.getTime()),
  });
  const interview = await deps.store.interviews.get(row.interviewId);
  if (!interview) {
    await repo.finish(row.id, 'canceled');
    return 'skipped';
  }
  const failed = async (code: string, error: string) => {
    await repo.finish(row.id, 'done');
    await appendEvent(deps.store, row.interviewId, 'schedule.dial_failed', { scheduledCallId: row.id, attempt: row.attempt, code, error });
  };
  if (await isOptedOut(deps.store, interview.tenantId, interview.candidate.phone)) {
    await repo.finish(row.id, 'canceled');
    await appendEvent(deps.store, interview.id, 'schedule.decided', { reason: row.reason, outcome: 'opted_out', at: null, text: 'not calling: the number opted out after the call was planned', scheduledCallId: row.id });
    return 'skipped';
  }
  // Outside the window now (a late poll after downtime, a changed window): plan the next permitted time instead.
  const zones = resolveZones({ given: interview.candidate.timezone, phone: interview.candidate.phone, fallbackZone: deps.config.scheduling.defaultTimezone }).zones;
  const { window } = await windowForTenant(deps, interview.tenantId);
  if (!zones.every((z) => inWindow(now, z, window))) {
    await repo.finish(row.id, 'done');
    try {
      await scheduleCall(deps, { interviewId: interview.id, tenantId: interview.tenantId, reason: 'retry' === row.reason ? 'retry' : 'reschedule', resumeFromStage: row.resumeFromStage ?? undefined });
    } catch (err) {
      if (!(err instanceof AppError && err.statusCode === 409)) throw err;
    }
    return 'deferred';
  }
  // A retry or callback reopens the interview only now (it showed busy / no_answer / interrupted until the dial).
  if (!(await setScheduled(deps.store.db, interview.id, row.dueAt, SCHEDULABLE))) {
    await failed('interview_not_callable', `interview ${interview.id} is ${interview.status}`);
    return 'failed';
  }
  try {
    await placeCall({ store: deps.store, rest: deps.rest, publicUrl: deps.config.publicUrl }, interview.id, interview.tenantId);
    await repo.finish(row.id, 'done');
    return 'dialed';
  } catch (err) {
    if (err instanceof AppError && err.code === 'telephony_error') {
      // Twilio refused the dial: a failed attempt like a `failed` final status, retried within the rules.
      await failed(err.code, err.message);
      await deps.store.interviews.transition(interview.id, 'failed', { from: ['scheduled'] });
      await onCallOutcome(deps, { interviewId: interview.id, outcome: 'failed' });
      return 'failed';
    }
    if (err instanceof AppError) {
      await failed(err.code, err.message);
      return 'failed';
    }
    // An unknown fault: recorded on the interview for the recruiter (who can call now or reschedule).
    deps.log.error({ err, interviewId: interview.id }, 'scheduled dial failed');
    await failed('error', errorMessage(err));
    return 'failed';
  }
}

/** Registers the dial job on a queue (web process with the in-process queue, `screenline worker` with BullMQ). */
export function registerDialJob(deps: DialDeps): void {
  deps.queue.process<DialJobData>(DIAL_JOB, async (data) => {
    await dialDue(deps, data);
  }, { concurrency: 4, timeoutMs: 60_000 });
}

/** One pass of the due-row poller: enqueue every pending row that is due (job ids dedupe repeats). */
export async function pollDue(deps: SchedulingDeps): Promise<number> {
  const now = deps.now?.() ?? new Date();
  const rows = await schedulingRepo(deps.store.db).due(now);
  for (const row of rows) await enqueueDial(deps, row, now);
  return rows.length;
}

/** Polls every `CALL_POLL_MS` (first pass at once: rows left pending by a restart go out now). */
export function startDuePoller(deps: SchedulingDeps): { stop(): void } {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    pollDue(deps)
      .catch((err: unknown) => deps.log.warn({ err }, 'due-call poll failed'))
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, deps.config.scheduling.pollMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
