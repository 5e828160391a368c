/**
 * A spoken opt-out, end to end: a simulated call through the real phone edge (caller simulator → signed webhook →
 * media socket → live call) where the candidate answers the consent question with "Please stop calling me." The
 * call ends as an opt-out, scheduling/call-hooks.ts records it (source spoken), the planned call is canceled, and
 * from then on the scheduler refuses every call and text for that number with the recorded reason.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { startTwilioRecorder, type TwilioRecorder } from '../helpers/twilio-recorder.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { pollDue } from '../../src/scheduling/dial-job.js';
import { schedulingRepo } from '../../src/scheduling/repo.js';
import { OPT_OUT_LINE } from '../../src/interview/consent.js';
import { finalStatus } from '../../src/interview/live-call.js';

const CHICAGO = '+13125550142';
const SAID = 'Please stop calling me.';

describe('a spoken opt-out on a call', () => {
  let t: ListeningApp;
  let rec: TwilioRecorder;
  // Tue 3 Mar 21:40 in Chicago: a planned call waits for 09:00 on Wednesday.
  const clock = { now: new Date('2026-03-04T03:40:00Z') };
  beforeAll(async () => {
    rec = await startTwilioRecorder();
    t = await startListeningApp(
      {
        TWILIO_ACCOUNT_SID: 'AC' + 'c'.repeat(32),
        TWILIO_FROM_NUMBER: '+14155550999',
        TWILIO_API_BASE_URL: rec.baseUrl,
        CALL_HEADS_UP_LEAD_MS: '120000',
      },
      { scheduling: { now: () => clock.now, poller: false } },
    );
  });
  afterAll(async () => {
    await t?.close();
    await rec?.close();
  });

  const toNumber = (path: string) => rec.requests.filter((r) => r.path.endsWith(path) && r.params.get('To') === CHICAGO);
  const create = async (name: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: { candidate: { name, phone: CHICAGO }, role: { title: 'Backend Engineer' }, schedule: true } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; schedule?: { at?: string; error?: string; decision?: string } }>();
  };

  it('records the opt-out (source spoken), cancels the planned call, and no further call or text goes out', async () => {
    const interview = await create('Grace Hopper');
    expect(interview.schedule?.at).toBe('2026-03-04T15:00:00.000Z');
    const repo = schedulingRepo(t.store.db);
    expect(await repo.optedOut('default', CHICAGO)).toBeNull();

    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id, to: CHICAGO, speed: 4 });
    registerScript(call.callSid, { id: 'spoken-opt-out', lines: [{ text: SAID }] });
    expect((await call.start()).outcome).toBe('stream');
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    expect(await call.waitForAgentSilence(1200, { timeoutMs: 60_000 })).toBe(true);
    await call.say(SAID);
    // People who say "stop calling me" hang up: as soon as the agent starts its answer, the candidate is gone.
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    const end = await call.hangup();
    expect(end.reason).toBe('caller_hangup');

    // The agent said the opt-out line (not the consent-refused one that promises a human will be in touch).
    const events = await vi.waitFor(
      async () => {
        const list = await t.store.events.list(interview.id, { limit: 1000 });
        if (!list.some((e) => e.type === 'candidate.opted_out')) throw new Error('no opt-out yet');
        return list;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(events.find((e) => e.type === 'interview.consent')?.payload).toMatchObject({ answer: SAID, basis: 'opt_out' });
    expect(events.filter((e) => e.type === 'agent.speech').at(-1)?.payload.planned).toBe(OPT_OUT_LINE);
    expect(events.find((e) => e.type === 'candidate.opted_out')?.payload).toMatchObject({ source: 'spoken', canceledScheduledCall: true });
    expect((await t.store.interviews.get(interview.id))?.status).toBe('canceled');
    expect(await repo.optedOut('default', CHICAGO)).toMatchObject({ source: 'spoken' });
    // What went out before the opt-out (the heads-up text when the call was planned); nothing may follow it.
    const sentBefore = { calls: toNumber('/Calls.json').length, texts: toNumber('/Messages.json').map((r) => r.params.get('Body')) };
    expect(sentBefore.calls).toBe(0);
    expect(sentBefore.texts).toEqual([expect.stringMatching(/Reply STOP to opt out/)]);

    // The planned 09:00 call never goes out: the clock passes it and the poller finds nothing due.
    clock.now = new Date('2026-03-04T16:30:00Z'); // Wed 10:30 in Chicago
    expect(await pollDue(t.app.scheduling)).toBe(0);

    // Another interview for the same number in the organisation: planned, rescheduled, "call now" — all refused,
    // each with the recorded reason; nothing is dialled or texted.
    const again = await create('Grace Hopper');
    expect(again.schedule).toMatchObject({ error: 'opted_out', decision: expect.stringMatching(/opted out/) });
    const onCreate = await t.store.events.list(again.id, { types: ['schedule.decided'] });
    expect(onCreate.map((e) => e.payload)).toEqual([expect.objectContaining({ reason: 'created', outcome: 'opted_out', text: expect.stringMatching(/^not calling: the number opted out \(spoken "spoken opt-out"\)/) })]);
    const reschedule = await t.app.inject({ method: 'POST', url: `/api/interviews/${again.id}/reschedule`, headers: t.auth, payload: {} });
    expect(reschedule.statusCode).toBe(409);
    expect(reschedule.json()).toMatchObject({ error: 'opted_out' });
    const decided = await t.store.events.list(again.id, { types: ['schedule.decided'] });
    expect(decided.at(-1)?.payload).toMatchObject({ outcome: 'opted_out', text: expect.stringMatching(/^not calling: the number opted out \(spoken "spoken opt-out"\)/) });
    const callNow = await t.app.inject({ method: 'POST', url: `/api/interviews/${again.id}/call`, headers: t.auth });
    expect(callNow.statusCode).toBe(409);
    expect(callNow.json()).toMatchObject({ error: 'opted_out' });
    expect((await t.store.events.list(again.id, { types: ['call.place_failed'] })).at(-1)?.payload).toMatchObject({ kind: 'opted_out', error: 'opted out (spoken)' });
    expect(await pollDue(t.app.scheduling)).toBe(0);

    expect(toNumber('/Calls.json')).toEqual([]);
    expect(toNumber('/Messages.json').map((r) => r.params.get('Body'))).toEqual(sentBefore.texts);
  }, 60_000);

  it('a hang-up during the closing line keeps the ending the agent chose (not `incomplete`, which is called back)', () => {
    expect(finalStatus('stop', undefined, 'opt_out')).toBe('canceled');
    expect(finalStatus('stop', undefined, 'consent_refused')).toBe('consent_refused');
    expect(finalStatus('stop', undefined, undefined)).toBe('incomplete');
  });
});
