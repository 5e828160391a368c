/**
 * Scheduling through the real app: a fake clock (the scheduler's `now`), the due-row poller driven by hand, the
 * real twilio client against the local REST recorder, signed webhooks, the local SMS outbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import twilio from 'twilio';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startTwilioRecorder, type TwilioRecorder } from '../helpers/twilio-recorder.js';
import { pollDue } from '../../src/scheduling/dial-job.js';
import { schedulingRepo } from '../../src/scheduling/repo.js';
import { readOutbox } from '../../src/workspace/sms.js';

const AUTH = 'sched-auth-token-123';
const PUBLIC = 'https://screen.example.com';
const SID = 'AC' + 'a'.repeat(32);
const CHICAGO = '+13125550142';

describe('scheduling through the app', () => {
  let t: TestApp;
  let rec: TwilioRecorder;
  const clock = { now: new Date('2026-03-04T03:40:00Z') }; // Tue 3 Mar 21:40 in Chicago
  beforeAll(async () => {
    rec = await startTwilioRecorder();
    t = await startTestApp(
      {
        PUBLIC_URL: PUBLIC,
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: AUTH,
        TWILIO_FROM_NUMBER: '+14155550999',
        TWILIO_API_BASE_URL: rec.baseUrl,
        CALL_MAX_ATTEMPTS: '3',
        CALL_RETRY_BACKOFF_MS: '1800000',
        CALL_HEADS_UP_LEAD_MS: '120000',
      },
      { scheduling: { now: () => clock.now, poller: false } },
    );
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await rec?.close();
  });
  beforeEach(() => {
    clock.now = new Date('2026-03-04T03:40:00Z');
  });

  const events = async (id: string, type: string) => (await t.store.events.list(id, { types: [type] })).map((e) => e.payload);
  const calls = () => rec.requests.filter((r) => r.path.endsWith('/Calls.json'));

  async function post(path: string, params: Record<string, string>) {
    const signature = twilio.getExpectedTwilioSignature(AUTH, PUBLIC + path, params);
    return t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
  }

  async function create(phone: string, extra: Record<string, unknown> = { schedule: true }) {
    const res = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: { candidate: { name: 'Grace Hopper', phone }, role: { title: 'Backend Engineer' }, hiringManagerEmail: 'hm@example.com', ...extra } });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; status: string; scheduledAt: string; schedule?: { at?: string; decision: string; error?: string } };
  }

  /** Moves the clock, runs one poll, and waits for the dial job to finish (its events). */
  async function dialAt(id: string, iso: string) {
    clock.now = new Date(iso);
    const before = (await events(id, 'schedule.dialing')).length;
    expect(await pollDue(t.app.scheduling)).toBeGreaterThan(0);
    await vi.waitFor(async () => expect((await events(id, 'schedule.dialing')).length).toBe(before + 1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await t.store.interviews.get(id))!.status).toBe('calling'), { timeout: 10_000 });
  }

  it('"call now" at 21:40 in Chicago is refused (409) with the next window and nothing is dialled; inside the window it dials', async () => {
    const i = await create(CHICAGO, {});
    const before = calls().length;
    const refused = await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/call`, headers: t.auth });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'outside_calling_hours' });
    expect(refused.json().message).toMatch(/^not calling now: 21:40 local in America\/Chicago; next window 09:00 on Wed 4 Mar.*reschedule/);
    expect(calls().length).toBe(before);
    expect((await events(i.id, 'schedule.decided')).at(-1)).toMatchObject({ outcome: 'refused', reason: 'call_now', at: '2026-03-04T15:00:00.000Z', timezone: 'America/Chicago' });
    expect((await t.store.interviews.get(i.id))!.status).toBe('scheduled');

    clock.now = new Date('2026-03-04T16:30:00Z'); // Wed 10:30 in Chicago
    const placed = await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/call`, headers: t.auth });
    expect(placed.statusCode).toBe(202);
    expect(calls().length).toBe(before + 1);
    expect(calls().at(-1)!.params.get('To')).toBe(CHICAGO);
  });

  it('21:40 in Chicago: not now; the call is planned for 09:00, a heads-up text goes first, and the call is placed when due', async () => {
    const outboxBefore = await readOutbox(t.dataDir);
    const i = await create(CHICAGO);
    expect(i.schedule?.at).toBe('2026-03-04T15:00:00.000Z'); // Wed 09:00 CST
    expect(i.scheduledAt).toBe('2026-03-04T15:00:00.000Z');
    const [decided] = await events(i.id, 'schedule.decided');
    expect(decided!.text).toMatch(/^not calling now: 21:40 local in America\/Chicago; next window 09:00 on Wed 4 Mar/);
    expect(decided).toMatchObject({ outcome: 'scheduled', timezone: 'America/Chicago', zoneSource: 'area-code', attempt: 1 });

    const [sms] = await events(i.id, 'sms.heads_up');
    expect(sms).toMatchObject({ status: 'sent', to: '…0142' });
    // Twilio is configured, so the heads-up went through the REST client, not the outbox.
    const texted = rec.requests.filter((r) => r.path.endsWith('/Messages.json') && r.params.get('To') === CHICAGO);
    expect(texted).toHaveLength(1);
    const body = texted[0]!.params.get('Body')!;
    expect(body).toContain('Wed 4 Mar, 09:00 CST');
    expect(body).toMatch(new RegExp(`${PUBLIC}/c/[A-Za-z0-9_-]{43}`));
    expect(body).toContain('Reply STOP to opt out');
    expect(await readOutbox(t.dataDir)).toHaveLength(outboxBefore.length);

    // Not yet due: the poll finds nothing and nothing is dialed.
    clock.now = new Date('2026-03-04T14:59:00Z');
    expect(await pollDue(t.app.scheduling)).toBe(0);
    const before = calls().length;
    await dialAt(i.id, '2026-03-04T15:00:05Z');
    expect(calls()).toHaveLength(before + 1);
    expect(calls().at(-1)!.params.get('To')).toBe(CHICAGO);
    expect(calls().at(-1)!.params.get('MachineDetection')).toBe('Enable');
    expect((await t.store.interviews.get(i.id))!.status).toBe('calling');
    // A second poll (another process, a restart) does not dial again.
    expect(await pollDue(t.app.scheduling)).toBe(0);
  });

  it('inside the window: planned right after the heads-up lead', async () => {
    clock.now = new Date('2026-03-04T16:00:00Z'); // Wed 10:00 Chicago
    const i = await create(CHICAGO);
    expect(i.schedule?.at).toBe('2026-03-04T16:02:00.000Z');
    expect(i.schedule?.decision).toMatch(/^calling: Wed 10:02 local in America\/Chicago \(after the heads-up text\)/);
  });

  it('a Friday-evening request in Berlin waits for Monday; scheduledAt on a Saturday moves to Monday 09:00', async () => {
    clock.now = new Date('2026-03-06T19:30:00Z'); // Fri 20:30 Berlin
    const i = await create('+4915112345678');
    expect(i.schedule?.at).toBe('2026-03-09T08:00:00.000Z');
    const j = await create('+4915112345679', { scheduledAt: '2026-03-07T11:00:00Z' });
    expect(j.schedule?.at).toBe('2026-03-09T08:00:00.000Z');
    expect(j.schedule?.decision).toMatch(/^not at the requested time: 12:00 local in Europe\/Berlin/);
  });

  for (const [status, interviewStatus] of [['busy', 'busy'], ['no-answer', 'no_answer'], ['failed', 'failed']] as const) {
    it(`final status ${status}: retried after the backoff within permitted hours, up to CALL_MAX_ATTEMPTS`, async () => {
      clock.now = new Date('2026-03-04T16:00:00Z'); // Wed 10:00 Chicago
      const texts = () => rec.requests.filter((r) => r.path.endsWith('/Messages.json')).length;
      const textsBefore = texts();
      const i = await create(CHICAGO);
      let due = '2026-03-04T16:02:00.000Z';
      for (let attempt = 1; attempt <= 3; attempt++) {
        await dialAt(i.id, due);
        const callSid = (await t.store.interviews.get(i.id))!.callSid!;
        const res = await post(`/twilio/status?interviewId=${i.id}`, { CallSid: callSid, CallStatus: status });
        expect(res.statusCode).toBe(204);
        const view = (await t.store.interviews.get(i.id))!;
        const pending = await schedulingRepo(t.store.db).pendingFor(i.id);
        // The last outcome stays on show until the retry dials; scheduledAt says when that is.
        expect(view.status).toBe(interviewStatus);
        if (attempt < 3) {
          expect(view.scheduledAt!.getTime()).toBe(pending!.dueAt.getTime());
          expect(pending!.attempt).toBe(attempt + 1);
          // 30 min, then 60 min after "now" (the clock stands at the dial time).
          expect(pending!.dueAt.getTime() - new Date(due).getTime()).toBe(attempt === 1 ? 1_800_000 : 3_600_000);
          due = pending!.dueAt.toISOString();
        } else {
          expect(pending).toBeNull();
          const decisions = await events(i.id, 'schedule.decided');
          expect(decisions.at(-1)).toMatchObject({ outcome: 'exhausted', attempt: 4, maxAttempts: 3 });
        }
      }
      // Quiet retries: only the first plan texted.
      expect(texts() - textsBefore).toBe(1);
    });
  }

  it('a retry that would land after hours goes to the next permitted morning', async () => {
    clock.now = new Date('2026-03-05T01:40:00Z'); // Wed 19:40 Chicago
    const i = await create(CHICAGO, { schedule: true });
    expect(i.schedule?.at).toBe('2026-03-05T01:42:00.000Z');
    await dialAt(i.id, '2026-03-05T01:42:00Z');
    await post(`/twilio/status?interviewId=${i.id}`, { CallSid: (await t.store.interviews.get(i.id))!.callSid!, CallStatus: 'no-answer' });
    const pending = await schedulingRepo(t.store.db).pendingFor(i.id);
    expect(pending!.dueAt.toISOString()).toBe('2026-03-05T15:00:00.000Z'); // Thu 09:00, not 20:12
    expect((await events(i.id, 'schedule.decided')).at(-1)!.text).toMatch(/^retry outside the window: 20:12 local in America\/Chicago; next window 09:00 on Thu 5 Mar/);
  });

  it('answering machine: hung up without interviewing, retried later', async () => {
    clock.now = new Date('2026-03-04T16:00:00Z');
    const i = await create(CHICAGO);
    await dialAt(i.id, '2026-03-04T16:02:00Z');
    const callSid = (await t.store.interviews.get(i.id))!.callSid!;
    const res = await post(`/twilio/voice?interviewId=${i.id}`, { CallSid: callSid, AnsweredBy: 'machine_end_beep', CallStatus: 'in-progress' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Hangup');
    expect(res.body).not.toContain('<Connect');
    expect(await events(i.id, 'call.voicemail')).toHaveLength(1);
    expect(await events(i.id, 'call.stream_offered')).toHaveLength(0);
    const pending = await schedulingRepo(t.store.db).pendingFor(i.id);
    expect(pending).toMatchObject({ attempt: 2, reason: 'retry' });
    expect(pending!.dueAt.toISOString()).toBe('2026-03-04T16:32:00.000Z');
    // The status callback that follows the hang-up plans nothing more.
    await post(`/twilio/status?interviewId=${i.id}`, { CallSid: callSid, CallStatus: 'completed' });
    expect((await schedulingRepo(t.store.db).pendingFor(i.id))!.id).toBe(pending!.id);
  });

  it('STOP by text: the planned call is canceled, no call and no text goes to the number again', async () => {
    const phone = '+13125550177';
    clock.now = new Date('2026-03-04T16:00:00Z');
    const i = await create(phone);
    const res = await post('/twilio/sms', { MessageSid: 'SM' + '1'.repeat(32), From: phone, To: '+14155550999', Body: ' Stop ' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Response>');
    expect(await schedulingRepo(t.store.db).pendingFor(i.id)).toBeNull();
    expect((await t.store.interviews.get(i.id))!.status).toBe('canceled');
    expect(await events(i.id, 'candidate.opted_out')).toEqual([expect.objectContaining({ source: 'sms', keyword: 'STOP', canceledScheduledCall: true })]);

    // A new interview for the same number: not scheduled, not texted, not callable.
    const texts = rec.requests.filter((r) => r.path.endsWith('/Messages.json') && r.params.get('To') === phone).length;
    const j = await create(phone);
    expect(j.schedule).toMatchObject({ error: 'opted_out' });
    expect((await events(j.id, 'schedule.decided'))[0]).toMatchObject({ outcome: 'opted_out' });
    const now = await t.app.inject({ method: 'POST', url: `/api/interviews/${j.id}/call`, headers: t.auth });
    expect(now.statusCode).toBe(409);
    expect(now.json().error).toBe('opted_out');
    // The workspace link text is refused by the register too.
    const link = await t.app.workspace.sendLink({ interviewId: j.id, tenantId: 'default', to: phone, reason: 'api' });
    expect(link.status).toBe('opted_out');
    expect(rec.requests.filter((r) => r.path.endsWith('/Messages.json') && r.params.get('To') === phone)).toHaveLength(texts);

    // A non-keyword text changes nothing; START lifts the opt-out.
    await post('/twilio/sms', { MessageSid: 'SM' + '2'.repeat(32), From: phone, Body: 'stop calling at lunch please' });
    await post('/twilio/sms', { MessageSid: 'SM' + '3'.repeat(32), From: phone, Body: 'START' });
    expect(await events(j.id, 'candidate.opted_in')).toHaveLength(1);
    const again = await t.app.inject({ method: 'POST', url: `/api/interviews/${j.id}/reschedule`, headers: t.auth, payload: {} });
    expect(again.statusCode).toBe(200);
  });

  it('the other opt-out words count; an unsigned text is refused', async () => {
    for (const [n, word] of ['STOPALL', 'unsubscribe', 'Cancel', 'end', 'QUIT', 'revoke', 'opt out'].entries()) {
      const phone = `+1312555020${n}`;
      await post('/twilio/sms', { MessageSid: 'SM' + String(n).repeat(32), From: phone, Body: word });
      expect(await schedulingRepo(t.store.db).optedOut('default', phone)).not.toBeNull();
    }
    const res = await t.app.inject({ method: 'POST', url: '/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'MessageSid=SMx&From=%2B13125550299&Body=STOP' });
    expect(res.statusCode).toBe(403);
    expect(await schedulingRepo(t.store.db).optedOut('default', '+13125550299')).toBeNull();
  });

  it('the opt-out is checked again when the call comes due', async () => {
    const phone = '+13125550188';
    clock.now = new Date('2026-03-04T16:00:00Z');
    const i = await create(phone);
    // Recorded behind the scheduler's back (another process): the dial still refuses.
    await schedulingRepo(t.store.db).optOut({ tenantId: 'default', phone, source: 'api' });
    const toPhone = () => calls().filter((c) => c.params.get('To') === phone).length;
    const before = toPhone();
    clock.now = new Date('2026-03-04T16:03:00Z');
    await pollDue(t.app.scheduling);
    await vi.waitFor(async () => expect((await events(i.id, 'schedule.decided')).at(-1)).toMatchObject({ outcome: 'opted_out' }), { timeout: 10_000 });
    expect(toPhone()).toBe(before);
  });

  it('reschedule and cancel through the API (bearer, schema-checked)', async () => {
    clock.now = new Date('2026-03-04T16:00:00Z');
    const i = await create(CHICAGO);
    const moved = await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/reschedule`, headers: t.auth, payload: { at: '2026-03-05T03:00:00Z', timezone: 'America/Denver' } });
    expect(moved.statusCode).toBe(200);
    // 20:00 Denver is past its window: Thu 09:00 Denver.
    expect(moved.json()).toMatchObject({ interviewId: i.id, at: '2026-03-05T16:00:00.000Z' });
    expect(moved.json().decision).toMatch(/America\/Denver \(time zone America\/Denver as given\)/);
    expect((await t.store.interviews.get(i.id))!.candidate.timezone).toBe('America/Denver');
    expect((await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/reschedule`, headers: t.auth, payload: { timezone: 'Mars/Base' } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/reschedule`, payload: {} })).statusCode).toBe(401);
    const canceled = await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/cancel`, headers: t.auth, payload: { reason: 'position filled' } });
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toEqual({ interviewId: i.id, status: 'canceled', canceledScheduledCall: true });
    expect(await schedulingRepo(t.store.db).pendingFor(i.id)).toBeNull();
    const late = await t.app.inject({ method: 'POST', url: `/api/interviews/${i.id}/reschedule`, headers: t.auth, payload: {} });
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toBe('interview_not_schedulable');
    expect((await t.app.inject({ method: 'POST', url: `/api/interviews/00000000-0000-4000-8000-000000000000/cancel`, headers: t.auth, payload: {} })).statusCode).toBe(404);
  });
});
