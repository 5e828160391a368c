/**
 * The whole phone edge with the Twilio caller simulator as the carrier: a signed webhook, TwiML, the signed media
 * socket, real-time audio both ways, marks, stop — against the real app on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { readWav } from '../../src/audio/wav.js';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

describe('a phone call through the caller simulator', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp();
  });
  afterAll(async () => t.close());

  it('connects, plays the opening as paced mu-law with marks echoed, and stop ends the session with a full event log', async () => {
    const interview = await t.store.interviews.create({ candidate: { name: 'Mary Jackson', phone: '+14155550155' }, role: { title: 'QA Engineer' } });
    const heardWavPath = join(t.dataDir, 'heard.wav');
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id, heardWavPath });
    const dial = await call.start();
    expect(dial.outcome).toBe('stream');
    expect(dial.stream?.parameters.token).toBeTruthy();

    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    // Hear the whole opening (disclosure + consent question), then hang up.
    expect(await call.waitForAgentSilence(1500, { timeoutMs: 60_000 })).toBe(true);
    const end = await call.hangup();
    expect(end.reason).toBe('caller_hangup');

    // Frames arrived paced near real time, not dumped: median gap close to 20 ms.
    const gaps = call.mediaReceived.slice(1).map((m, i) => m.atMs - call.mediaReceived[i]!.atMs).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThan(10);
    expect(median).toBeLessThan(30);
    expect(call.marksReceived.length).toBeGreaterThan(1);
    expect(call.marksEchoed.filter((m) => !m.viaClear).length).toBe(call.marksReceived.length);
    expect(call.agentAudioHeardMs).toBeGreaterThan(5000);

    // What the caller heard is valid audio with speech in it.
    const wav = readWav(await readFile(heardWavPath));
    expect(wav.sampleRateHz).toBe(8000);
    expect(wav.samples.length / 8000).toBeGreaterThan(5);
    await rm(heardWavPath, { force: true });

    const until = Date.now() + 10_000;
    let types: string[] = [];
    while (Date.now() < until) {
      types = (await t.store.events.list(interview.id)).map((e) => e.type);
      if (types.includes('call.ended')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(types).toEqual(expect.arrayContaining(['twilio.voice_webhook', 'call.stream_offered', 'call.stream_started', 'agent.speech', 'call.audio_summary', 'call.ended']));
    const events = await t.store.events.list(interview.id);
    const greeting = events.find((e) => e.type === 'agent.speech' && e.payload.replyId === 'greeting');
    expect(greeting?.payload.heard).toMatch(/automated AI interviewer.*recorded/);
    expect(events.find((e) => e.type === 'call.ended')?.payload.reason).toBe('stop');
    const statuses = events.filter((e) => e.type === 'call.status').map((e) => e.payload.status);
    expect(statuses).toEqual(expect.arrayContaining(['initiated', 'ringing']));
  }, 90_000);

  it('a consent refusal ends the call politely and records it', async () => {
    const interview = await t.store.interviews.create({ candidate: { name: 'Dorothy Vaughan', phone: '+14155550166' }, role: { title: 'Data Engineer' } });
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id, speed: 1 });
    const { registerScript } = await import('../../src/sim/candidate-script.js');
    registerScript(call.callSid, { id: 'refuse', lines: [{ text: 'No I do not consent.' }] });
    await call.start();
    await call.waitForAgentSpeech({ timeoutMs: 20_000 });
    await call.waitForAgentSilence(1200, { timeoutMs: 60_000 });
    await call.say('No I do not consent.');
    const end = await call.ended;
    expect(end.reason).toBe('server_closed');
    const until = Date.now() + 10_000;
    while ((await t.store.interviews.get(interview.id))?.status !== 'consent_refused' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect((await t.store.interviews.get(interview.id))?.status).toBe('consent_refused');
    const events = await t.store.events.list(interview.id);
    expect(events.find((e) => e.type === 'interview.consent')?.payload.classification).toBe('no');
  }, 90_000);
});
