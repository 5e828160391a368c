import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startTwilioRecorder, type TwilioRecorder } from '../helpers/twilio-recorder.js';
import { TwilioRest } from '../../src/telephony/twilio/rest.js';

const ACCOUNT = 'AC' + 'a'.repeat(32);
const body = {
  candidate: { name: 'Grace Hopper', phone: '+14155550111' },
  role: { title: 'Platform Engineer' },
};

describe('dialer and SMS through the real twilio client', () => {
  let recorder: TwilioRecorder;
  let t: TestApp;
  beforeAll(async () => {
    recorder = await startTwilioRecorder();
    t = await startTestApp({
      PUBLIC_URL: 'https://screen.example.com',
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: 'secret-token',
      TWILIO_FROM_NUMBER: '+14155550999',
      TWILIO_API_BASE_URL: recorder.baseUrl,
      TWILIO_RING_TIMEOUT_SEC: '25',
      // "Call now" holds to the calling window: a clock inside it (Wed 10:00 in California), whatever the time.
    }, { scheduling: { now: () => new Date('2026-03-04T18:00:00Z') } });
  });
  afterAll(async () => {
    await t.close();
    await recorder.close();
  });

  it('POST /api/interviews/:id/call places the call with the exact parameters Twilio needs', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: body })).json();
    const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${created.id}/call`, headers: t.auth });
    expect(res.statusCode).toBe(202);
    expect(res.json().callSid).toMatch(/^CA[0-9a-f]{32}$/);

    const req = recorder.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`);
    expect(req.authorization).toBe('Basic ' + Buffer.from(`${ACCOUNT}:secret-token`).toString('base64'));
    const p = req.params;
    expect(p.get('To')).toBe('+14155550111');
    expect(p.get('From')).toBe('+14155550999');
    expect(p.get('Url')).toBe(`https://screen.example.com/twilio/voice?interviewId=${created.id}`);
    expect(p.get('Method')).toBe('POST');
    expect(p.get('StatusCallback')).toBe(`https://screen.example.com/twilio/status?interviewId=${created.id}`);
    expect(p.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(p.get('MachineDetection')).toBe('Enable');
    expect(p.get('Timeout')).toBe('25');

    const view = (await t.app.inject({ method: 'GET', url: `/api/interviews/${created.id}`, headers: t.auth })).json();
    expect(view.status).toBe('calling');
    expect(view.callSid).toBe(res.json().callSid);
    const events = (await t.app.inject({ method: 'GET', url: `/api/interviews/${created.id}/events`, headers: t.auth })).json().events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['interview.created', 'call.placed']);
  });

  it('refuses to call an interview that is already in a call (409)', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: body })).json();
    await t.store.interviews.transition(created.id, 'in_progress');
    const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${created.id}/call`, headers: t.auth });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('interview_not_callable');
  });

  it('maps a Twilio refusal to 502 and records it', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: body })).json();
    recorder.failNext(400, "The 'To' number +14155550111 is not a valid phone number.");
    const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${created.id}/call`, headers: t.auth });
    expect(res.statusCode).toBe(502);
    expect(res.json().message).toMatch(/not a valid phone number/);
    const events = await t.store.events.list(created.id);
    expect(events.at(-1)).toMatchObject({ type: 'call.place_failed', payload: { kind: 'bad_request' } });
  });

  it('sends an SMS with messages.create', async () => {
    const rest = new TwilioRest({ accountSid: ACCOUNT, authToken: 'secret-token', fromNumber: '+14155550999', apiBaseUrl: recorder.baseUrl, ringTimeoutSec: 30 });
    const sent = await rest.sendSms('+14155550111', 'Your screening call starts in 5 minutes.');
    expect(sent.messageSid).toMatch(/^SM/);
    const req = recorder.requests.at(-1)!;
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(Object.fromEntries(req.params)).toEqual({ To: '+14155550111', From: '+14155550999', Body: 'Your screening call starts in 5 minutes.' });
  });
});

describe('dialer without Twilio credentials', () => {
  it('answers 503 saying telephony is not configured and how to use the simulator', async () => {
    const t = await startTestApp();
    try {
      const created = (await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: body })).json();
      const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${created.id}/call`, headers: t.auth });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: 'telephony_not_configured' });
      expect(res.json().message).toMatch(/TWILIO_ACCOUNT_SID.*simulator/s);
      expect(t.app.adapters.get('telephony')).toMatch(/caller simulator only/);
    } finally {
      await t.close();
    }
  });
});
