/** Event types written by scheduling and the candidate's page (docs/events.md, "Scheduling events", documents each). */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const Opt = Type.Optional;
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const schedulingEvents = {
  'schedule.decided': event('A scheduling decision, in words ("not calling now: 21:40 local in America/Chicago; next window 09:00") and fields.', {
    /** scheduled (a dial is planned), opted_out, exhausted (no attempts left), no_window, canceled, deferred (a due dial moved on), refused ("call now" outside the window). */
    outcome: Type.String(),
    reason: Type.String(),
    text: Type.String(),
    at: Nullable(Type.String()),
    timezone: Opt(Type.String()),
    zones: Opt(Type.Array(Type.String())),
    zoneSource: Opt(Type.String()),
    window: Opt(Type.String()),
    attempt: Opt(Type.Integer()),
    maxAttempts: Opt(Type.Integer()),
    scheduledCallId: Opt(Type.String()),
    jobId: Opt(Type.String()),
  }),
  'schedule.dialing': event('A planned dial came due and was claimed (once, whichever worker or poller got it).', {
    scheduledCallId: Type.String(),
    attempt: Type.Integer(),
    reason: Type.String(),
    lateMs: Type.Number(),
  }),
  'schedule.dial_failed': event('A due dial could not be placed (telephony not configured, refused, interview not callable).', {
    scheduledCallId: Type.String(),
    attempt: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
  }),
  'sms.heads_up': event('The text telling the candidate when the call comes, with their link and "Reply STOP to opt out".', {
    to: Type.String(),
    adapter: Type.String(),
    status: Type.Union([Type.Literal('sent'), Type.Literal('opted_out'), Type.Literal('failed'), Type.Literal('skipped')]),
    at: Type.String(),
    linkId: Type.String(),
    messageSid: Opt(Type.String()),
    errorCode: Opt(Type.Number()),
    error: Opt(Type.String()),
  }),
  'candidate.opted_out': event('Consent to calls and texts revoked for this number in this organisation (SMS keyword, spoken refusal, link or API).', {
    source: Type.String(),
    keyword: Nullable(Type.String()),
    to: Type.String(),
    canceledScheduledCall: Type.Boolean(),
  }),
  'candidate.opted_in': event('The number texted START/UNSTOP: consent given again (no call is planned by this alone).', {
    to: Type.String(),
    keyword: Type.String(),
  }),
  'candidate.link_opened': event("The candidate opened their own page (/c/<token>).", {
    linkId: Type.String(),
    phase: Type.String(),
  }),
  'candidate.rescheduled': event('The candidate picked a new time on their page.', {
    linkId: Type.String(),
    requested: Type.String(),
    at: Type.String(),
  }),
  'candidate.review_requested': event('The candidate asked for a person to review the outcome (GDPR Art. 22); the hiring manager is emailed.', {
    linkId: Type.String(),
    message: Type.String(),
    notified: Type.Boolean(),
  }),
  'candidate.erasure_requested': event('The candidate asked for their data to be erased (GDPR Art. 17); the hiring manager is emailed, a person carries it out.', {
    linkId: Type.String(),
    message: Type.String(),
    notified: Type.Boolean(),
  }),
};
