/**
 * The heads-up text before a call: when it comes (in the candidate's zone), their own link to reschedule or opt
 * out, and "Reply STOP to opt out". The opt-out register is checked first; a carrier-level STOP (Twilio 21610)
 * found on sending is recorded as an opt-out, which also cancels the call.
 */
import type { InterviewView } from '../store/index.js';
import { appendEvent } from '../store/events/index.js';
import { maskPhone } from '../workspace/sms.js';
import { formatForCandidate } from './call-window.js';
import { schedulingRepo } from './repo.js';
import { optedOutAnywhere, recordOptOut } from './opt-out.js';
import { smsFromConfig } from './sms-sender.js';
import type { SchedulingDeps } from './scheduler.js';

export function candidateUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/c/${token}`;
}

export function headsUpBody(input: { name: string; roleTitle: string; when: string; link: string; from?: string }): string {
  const first = input.name.trim().split(/\s+/)[0] || 'there';
  return (
    `Hi ${first}, your phone screen for ${input.roleTitle} is set for ${input.when}. ` +
    `We will call you${input.from ? ` from ${input.from}` : ''} then; an AI interviewer runs the call and a person reviews it. ` +
    `Pick another time or opt out: ${input.link} . Reply STOP to opt out.`
  );
}

/** Issues a candidate link (the plain token lives only in the text). */
export async function issueCandidateLink(deps: Pick<SchedulingDeps, 'store' | 'config' | 'now'>, interview: InterviewView): Promise<{ token: string; linkId: string }> {
  const now = deps.now?.() ?? new Date();
  return schedulingRepo(deps.store.db).issueLink({
    interviewId: interview.id,
    tenantId: interview.tenantId,
    expiresAt: new Date(now.getTime() + deps.config.scheduling.candidateLinkMaxAgeMs),
  });
}

export async function sendHeadsUp(deps: SchedulingDeps, interview: InterviewView, at: Date, zone: string): Promise<void> {
  const to = interview.candidate.phone;
  const { token, linkId } = await issueCandidateLink(deps, interview);
  const base = { to: maskPhone(to), at: at.toISOString(), linkId };
  if (await optedOutAnywhere(deps.store, to)) {
    await appendEvent(deps.store, interview.id, 'sms.heads_up', { ...base, adapter: 'none', status: 'skipped', error: 'opted out' });
    return;
  }
  const sms = deps.sms ?? smsFromConfig(deps.config);
  const body = headsUpBody({
    name: interview.candidate.name,
    roleTitle: interview.role.title,
    when: formatForCandidate(at, zone),
    link: candidateUrl(deps.config.publicUrl, token),
    from: deps.config.twilio.fromNumber,
  });
  let outcome;
  try {
    outcome = await sms.send(to, body);
  } catch (err) {
    outcome = { status: 'failed' as const, error: (err as Error).message.slice(0, 300) };
  }
  await appendEvent(deps.store, interview.id, 'sms.heads_up', {
    ...base,
    adapter: sms.kind,
    status: outcome.status,
    ...(outcome.messageSid ? { messageSid: outcome.messageSid } : {}),
    ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  });
  if (outcome.status === 'opted_out') {
    await recordOptOut(deps.store, { tenantId: interview.tenantId, phone: to, source: 'sms', keyword: 'carrier STOP (Twilio 21610)', interviewId: interview.id });
  } else if (outcome.status === 'failed') {
    deps.log.warn({ interviewId: interview.id, error: outcome.error }, 'heads-up text failed; the call stays planned');
  }
}
