import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { startTestApp, type TestApp } from '../helpers/app.js';

const AUTH = 'test-auth-token-123';
const PUBLIC = 'https://screen.example.com';
const callSid = (n: number) => 'CA' + n.toString(16).padStart(32, '0');

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

describe('Twilio webhooks', () => {
  let t: TestApp;
  let interviewId: string;
  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: PUBLIC, TWILIO_AUTH_TOKEN: AUTH });
    interviewId = (
      await t.store.interviews.create({ candidate: { name: 'Alan Turing', phone: '+442071838750' }, role: { title: 'SRE' } })
    ).id;
  });
  afterAll(async () => t.close());

  async function post(path: string, params: Record<string, string>, opts: { signUrl?: string; token?: string; signature?: string | null } = {}) {
    const signature =
      opts.signature === null
        ? undefined
        : (opts.signature ?? twilio.getExpectedTwilioSignature(opts.token ?? AUTH, opts.signUrl ?? PUBLIC + path, params));
    return t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      payload: form(params),
    });
  }

  describe('signatures (made with the twilio package)', () => {
    const params = () => ({ CallSid: callSid(1), From: '+442071838750', To: '+14155550999', CallStatus: 'in-progress' });
    const path = () => `/twilio/voice?interviewId=${interviewId}`;

    it('accepts the right signature', async () => {
      const res = await post(path(), params());
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/xml/);
    });
    it('refuses a wrong signature', async () => {
      expect((await post(path(), params(), { signature: 'bm9wZQ==' })).statusCode).toBe(403);
    });
    it('refuses a signature made with another auth token', async () => {
      expect((await post(path(), params(), { token: 'other' })).statusCode).toBe(403);
    });
    it('refuses a signature over another URL', async () => {
      expect((await post(path(), params(), { signUrl: `${PUBLIC}/twilio/voice?interviewId=other` })).statusCode).toBe(403);
    });
    it('refuses http when the public URL is https', async () => {
      expect((await post(path(), params(), { signUrl: `http://screen.example.com${path()}` })).statusCode).toBe(403);
    });
    it('refuses a missing header', async () => {
      const res = await post(path(), params(), { signature: null });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toBe('invalid Twilio signature');
    });
    it('refuses changed params', async () => {
      const signed = params();
      const signature = twilio.getExpectedTwilioSignature(AUTH, PUBLIC + path(), signed);
      expect((await post(path(), { ...signed, From: '+15555550000' }, { signature })).statusCode).toBe(403);
    });
    it('counts refusals in /metrics', async () => {
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth })).body;
      expect(metrics).toMatch(/screenline_twilio_webhooks_rejected_total\{route="voice"\} [1-9]/);
    });
  });

  it('answers a known interview with <Connect><Stream> and a single-use token parameter', async () => {
    const id = (await t.store.interviews.create({ candidate: { name: 'Ada', phone: '+14155550100' }, role: { title: 'Dev' } })).id;
    const res = await post(`/twilio/voice?interviewId=${id}`, { CallSid: callSid(2), From: '+14155550999', To: '+14155550100' });
    expect(res.statusCode).toBe(200);
    const m = /<Connect><Stream url="wss:\/\/screen\.example\.com\/twilio\/media"><Parameter name="token" value="([^"]+)"\/><\/Stream><\/Connect>/.exec(res.body);
    expect(m, res.body).not.toBeNull();
    const consumed = await t.store.streamTokens.consume(m![1]!, callSid(2));
    expect(consumed).toEqual({ interviewId: id });
    const view = await t.store.interviews.get(id);
    expect(view).toMatchObject({ status: 'calling', callSid: callSid(2) });
    const types = (await t.store.events.list(id)).map((e) => e.type);
    expect(types).toEqual(['twilio.voice_webhook', 'call.stream_offered']);
  });

  it('finds an inbound call by the caller number', async () => {
    const id = (await t.store.interviews.create({ candidate: { name: 'Inbound', phone: '+14155550177' }, role: { title: 'Dev' } })).id;
    const res = await post('/twilio/voice', { CallSid: callSid(3), From: '+14155550177', To: '+14155550999', Direction: 'inbound' });
    expect(res.body).toContain('<Stream');
    expect((await t.store.interviews.get(id))?.callSid).toBe(callSid(3));
  });

  it('says a polite line and hangs up for an unknown interview', async () => {
    const res = await post('/twilio/voice?interviewId=00000000-0000-4000-8000-000000000000', { CallSid: callSid(4), From: '+10000000000' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<Say[^>]*>Sorry, we could not find a scheduled interview.*<\/Say><Hangup\/>/);
  });

  it('hangs up on an answering machine and records it', async () => {
    const id = (await t.store.interviews.create({ candidate: { name: 'VM', phone: '+14155550188' }, role: { title: 'Dev' } })).id;
    await t.store.interviews.transition(id, 'calling');
    const res = await post(`/twilio/voice?interviewId=${id}`, { CallSid: callSid(5), AnsweredBy: 'machine_end_beep' });
    expect(res.body).toMatch(/<Response><Hangup\/><\/Response>/);
    expect((await t.store.interviews.get(id))?.status).toBe('voicemail');
    expect((await t.store.events.list(id)).map((e) => e.type)).toContain('call.voicemail');
  });

  it('refuses a finished interview politely', async () => {
    const id = (await t.store.interviews.create({ candidate: { name: 'Done', phone: '+14155550199' }, role: { title: 'Dev' } })).id;
    await t.store.interviews.transition(id, 'completed');
    const res = await post(`/twilio/voice?interviewId=${id}`, { CallSid: callSid(6) });
    expect(res.body).toMatch(/no longer available.*<Hangup\/>/);
  });

  it('rejects a malformed CallSid with 400', async () => {
    const res = await post(`/twilio/voice?interviewId=${interviewId}`, { CallSid: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.CallSid');
  });

  describe('status callbacks', () => {
    it('records progress once each, flags out-of-order ones, and maps final statuses', async () => {
      const id = (await t.store.interviews.create({ candidate: { name: 'S', phone: '+14155550122' }, role: { title: 'Dev' } })).id;
      await t.store.interviews.attachCallSid(id, callSid(7));
      await t.store.interviews.transition(id, 'calling');
      const path = `/twilio/status?interviewId=${id}`;
      for (const status of ['initiated', 'ringing', 'ringing', 'initiated', 'no-answer', 'no-answer']) {
        const res = await post(path, { CallSid: callSid(7), CallStatus: status });
        expect(res.statusCode).toBe(204);
      }
      const statusEvents = (await t.store.events.list(id)).filter((e) => e.type === 'call.status');
      expect(statusEvents.map((e) => [e.payload.status, e.payload.outOfOrder])).toEqual([
        ['initiated', false],
        ['ringing', false],
        ['no-answer', false],
      ]);
      expect((await t.store.interviews.get(id))?.status).toBe('no_answer');
    });

    it('a late ringing after completion is recorded as out of order and changes nothing', async () => {
      const id = (await t.store.interviews.create({ candidate: { name: 'T', phone: '+14155550133' }, role: { title: 'Dev' } })).id;
      await t.store.interviews.attachCallSid(id, callSid(8));
      await t.store.interviews.transition(id, 'in_progress');
      await post(`/twilio/status?interviewId=${id}`, { CallSid: callSid(8), CallStatus: 'completed', CallDuration: '61' });
      await post(`/twilio/status?interviewId=${id}`, { CallSid: callSid(8), CallStatus: 'ringing' });
      const events = (await t.store.events.list(id)).filter((e) => e.type === 'call.status');
      expect(events.map((e) => [e.payload.status, e.payload.outOfOrder])).toEqual([
        ['completed', false],
        ['ringing', true],
      ]);
      expect(events[0]!.payload.durationSec).toBe(61);
      expect((await t.store.interviews.get(id))?.status).toBe('in_progress');
    });
  });
});

describe('fail closed without an auth token', () => {
  it('refuses every webhook in production when TWILIO_AUTH_TOKEN is unset', async () => {
    const t = await startTestApp({ NODE_ENV: 'production', PUBLIC_URL: PUBLIC, DEEPGRAM_API_KEY: 'dg-test-key' });
    try {
      const params = { CallSid: callSid(9) };
      const res = await t.app.inject({
        method: 'POST',
        url: '/twilio/voice',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature('', PUBLIC + '/twilio/voice', params) },
        payload: form(params),
      });
      expect(res.statusCode).toBe(403);
      expect(t.app.adapters.get('telephony')).toMatch(/refusing all Twilio webhooks/);
    } finally {
      await t.close();
    }
  });
});
