import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { scriptFor, unregisterScript } from '../../src/sim/candidate-script.js';
import { FakeSpeechToText } from '../../src/providers/testing/index.js';

const callSid = 'CA' + 'b'.repeat(32);

describe('POST /api/simulator/scripts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('registers a script for the speech-to-text simulator', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/simulator/scripts', headers: t.auth, payload: { callSid, lines: [{ text: 'Yes I agree.' }] } });
    expect(res.statusCode).toBe(201);
    expect(scriptFor(callSid)?.lines).toEqual([{ text: 'Yes I agree.' }]);
    unregisterScript(callSid);
  });

  it('needs a token and a valid body', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/simulator/scripts', payload: { callSid, lines: [{ text: 'x' }] } })).statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'POST', url: '/api/simulator/scripts', headers: t.auth, payload: { callSid: 'nope', lines: [] } });
    expect(bad.statusCode).toBe(400);
  });

  it('does not exist when speech-to-text is real', async () => {
    const real = await startTestApp({}, { providers: { stt: new FakeSpeechToText('deepgram') } });
    try {
      const res = await real.app.inject({ method: 'POST', url: '/api/simulator/scripts', headers: real.auth, payload: { callSid, lines: [{ text: 'x' }] } });
      expect(res.statusCode).toBe(404);
    } finally {
      await real.close();
    }
  });
});
