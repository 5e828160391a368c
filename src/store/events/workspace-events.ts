/** Event types written by the workspace capability (docs/events.md, "Workspace events", documents each). */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const Opt = Type.Optional;
const TestOutcome = Type.Object({
  name: Type.String(),
  hidden: Type.Boolean(),
  status: Type.String(),
  ms: Opt(Type.Number()),
});

export const workspaceEvents = {
  'sms.sent': event('A text message to the candidate was attempted (workspace link). Never carries the raw token.', {
    purpose: Type.String(),
    reason: Type.String(),
    /** The number, masked to its last four digits. */
    to: Type.String(),
    adapter: Type.Union([Type.Literal('twilio'), Type.Literal('outbox')]),
    status: Type.Union([Type.Literal('sent'), Type.Literal('opted_out'), Type.Literal('failed')]),
    linkId: Type.String(),
    messageSid: Opt(Type.String()),
    errorCode: Opt(Type.Number()),
    error: Opt(Type.String()),
  }),
  'workspace.opened': event("The candidate's page connected its live channel (first open, reload, reconnect or takeover).", {
    pageId: Type.String(),
    linkId: Type.String(),
    resumed: Type.Boolean(),
    tookOver: Type.Boolean(),
    userAgent: Type.String(),
  }),
  'workspace.closed': event("The candidate's page channel closed.", {
    pageId: Type.String(),
    reason: Type.String(),
    openMs: Type.Number(),
  }),
  'workspace.link_refused': event('A link of this interview was used after it expired, was revoked, or after the interview ended.', {
    linkId: Type.String(),
    reason: Type.String(),
  }),
  'workspace.binding': event('Phone and browser bound: the page showed a code (`shown`); the agent heard it back (`confirmed` or `mismatch`).', {
    status: Type.Union([Type.Literal('shown'), Type.Literal('confirmed'), Type.Literal('mismatch')]),
    pageId: Opt(Type.String()),
  }),
  'workspace.surface_opened': event("A surface was opened on the candidate's page: the IDE with a problem, or the design board with a prompt (problemId/problemVersion then name the design prompt).", {
    kind: Type.Union([Type.Literal('ide'), Type.Literal('board')]),
    problemId: Type.String(),
    problemVersion: Type.Integer(),
    by: Type.String(),
    delivered: Type.Boolean(),
  }),
  'code.run': event('The candidate ran the visible tests in the browser (their own feedback; the scorecard trusts only `code.verified`).', {
    problemId: Type.String(),
    passed: Type.Integer(),
    total: Type.Integer(),
    failing: Type.Array(Type.String()),
    outcome: Type.String(),
    durationMs: Type.Number(),
  }),
  'code.submitted': event('The candidate submitted code; the server verifies it next (`code.verified`).', {
    problemId: Type.String(),
    problemVersion: Type.Integer(),
    submissionId: Type.String(),
    code: Type.String(),
    codeSha256: Type.String(),
    /** What the browser said about the visible tests (not trusted). */
    browser: Opt(Type.Object({ passed: Type.Integer(), total: Type.Integer() })),
  }),
  'code.verified': event('The server re-ran a submission against the visible and hidden tests in a locked-down child process. The result the scorecard trusts.', {
    problemId: Type.String(),
    problemVersion: Type.Integer(),
    submissionId: Type.String(),
    verdict: Type.String(),
    passed: Type.Integer(),
    total: Type.Integer(),
    tests: Type.Array(TestOutcome),
    reason: Opt(Type.String()),
    violations: Type.Array(Type.String()),
    durationMs: Type.Number(),
    queuedMs: Type.Number(),
    cold: Type.Boolean(),
  }),
  'code.rate_limited': event('A run report or a submission was refused by the per-interview rate limit.', {
    kind: Type.String(),
    retryAfterMs: Type.Number(),
  }),
  'integrity.paste': event('The candidate pasted into the editor (a fact for the scorecard; never a score by itself).', {
    chars: Type.Integer(),
    lines: Type.Integer(),
  }),
  'integrity.focus_lost': event('The page lost focus or was hidden (tab switch, other window) and came back after `durationMs`.', {
    kind: Type.String(),
    durationMs: Type.Number(),
  }),
  'integrity.large_insertion': event('A large block of text appeared in the editor at once without a paste (typed-in bulk, a tool).', {
    chars: Type.Integer(),
    lines: Type.Integer(),
  }),
} as const;
