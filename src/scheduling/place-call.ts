/** Use case: phone the candidate of an interview now (the API, the CLI and the scheduler all come here). */
import { appendEvent } from '../store/events/index.js';
import { AppError, notFound } from '../lib/errors.js';
import { ProviderError } from '../providers/errors.js';
import type { Store, InterviewStatus } from '../store/index.js';
import type { TwilioRest } from '../telephony/twilio/rest.js';
import { schedulingRepo } from './repo.js';
import { decide, decisionFields, type SchedulingDeps } from './scheduler.js';
import type { InterviewView } from '../store/index.js';

/** Statuses from which a (re)dial makes sense. */
const CALLABLE: InterviewStatus[] = ['scheduled', 'no_answer', 'busy', 'failed', 'voicemail'];

export const TELEPHONY_NOT_CONFIGURED =
  'Telephony is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER to place real calls. ' +
  'To try the interview without Twilio, run the caller simulator: `npm run sim -- --interview <id>`.';

export interface PlaceCallDeps {
  store: Store;
  rest?: TwilioRest;
  publicUrl: string;
  /**
   * A dial nobody planned ("call now" from the API or the CLI) is held to the organisation's calling window too;
   * the scheduler's own dials check it before they come here, so they leave this out.
   */
  lawfulHours?: Pick<SchedulingDeps, 'store' | 'config' | 'log' | 'now'>;
}

export async function placeCall(deps: PlaceCallDeps, interviewId: string, tenantId?: string): Promise<{ callSid: string; status: string }> {
  const interview = await deps.store.interviews.get(interviewId, { tenantId });
  if (!interview) throw notFound('interview', interviewId);
  if (!deps.rest) throw new AppError(503, 'telephony_not_configured', TELEPHONY_NOT_CONFIGURED, { expose: true });
  if (!CALLABLE.includes(interview.status)) {
    throw new AppError(409, 'interview_not_callable', `interview ${interviewId} is ${interview.status}; only ${CALLABLE.join(', ')} interviews can be called`);
  }
  // Consent revoked (STOP, spoken, the candidate's link) blocks every call, planned or "call now".
  const optOut = await schedulingRepo(deps.store.db).optedOut(interview.tenantId, interview.candidate.phone);
  if (optOut) {
    await appendEvent(deps.store, interview.id, 'call.place_failed', { error: `opted out (${optOut.source})`, kind: 'opted_out' });
    throw new AppError(409, 'opted_out', 'the candidate has opted out of calls and texts from this organisation', { expose: true });
  }
  if (deps.lawfulHours) await holdToWindow(deps.lawfulHours, interview);
  const q = `?interviewId=${encodeURIComponent(interview.id)}`;
  let call: { callSid: string; status: string };
  try {
    call = await deps.rest.placeCall({
      to: interview.candidate.phone,
      voiceUrl: `${deps.publicUrl}/twilio/voice${q}`,
      statusCallbackUrl: `${deps.publicUrl}/twilio/status${q}`,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await appendEvent(deps.store, interview.id, 'call.place_failed', {
      error: message,
      kind: err instanceof ProviderError ? err.kind : 'unknown',
    });
    throw new AppError(502, 'telephony_error', `Twilio refused the call: ${message}`, { cause: err, expose: true });
  }
  await deps.store.interviews.attachCallSid(interview.id, call.callSid);
  await deps.store.interviews.transition(interview.id, 'calling', { from: CALLABLE });
  await appendEvent(deps.store, interview.id, 'call.placed', { callSid: call.callSid, status: call.status, to: interview.candidate.phone });
  return call;
}

/** Outside the window in any of the candidate's zones: nothing is dialled, the decision is an event and a 409. */
async function holdToWindow(deps: NonNullable<PlaceCallDeps['lawfulHours']>, interview: InterviewView): Promise<void> {
  const now = deps.now?.() ?? new Date();
  const decision = await decide(deps, interview, now, { now });
  if ('error' in decision) {
    await appendEvent(deps.store, interview.id, 'schedule.decided', { outcome: 'no_window', reason: 'call_now', text: `not calling now: ${decision.error}`, at: null });
    throw new AppError(409, 'outside_calling_hours', `not calling now: ${decision.error}`, { expose: true });
  }
  if (decision.at.getTime() - now.getTime() < 1000) return;
  await appendEvent(deps.store, interview.id, 'schedule.decided', {
    outcome: 'refused',
    reason: 'call_now',
    ...decisionFields(decision),
  });
  throw new AppError(409, 'outside_calling_hours', `${decision.text}. Reschedule it (POST /api/interviews/${interview.id}/reschedule) to call at the next permitted time.`, { expose: true });
}
