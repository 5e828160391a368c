/**
 * Call recording end to end: a simulated phone call through the caller simulator ends with `call.recording`, the
 * artifact is a stereo WAV with speech on both channels (left the caller, right the agent), the API serves it with
 * the token (ranges too) and refuses another organisation; a hang-up in the middle of the opening still leaves a
 * valid, shorter file; CALL_RECORDING=off records nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { readWav } from '../../src/audio/wav.js';
import type { StoredEvent } from '../../src/store/index.js';
import { waitFor } from '../helpers/wait-for.js';

/** RMS of each channel of a stereo PCM16 WAV, and its sample count per channel (header sizes checked). */
function stereo(buf: Buffer): { samples: number; leftRms: number; rightRms: number } {
  expect(readWav(buf)).toMatchObject({ sampleRateHz: 8000, channels: 2, format: 'pcm16' });
  expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
  expect(buf.readUInt32LE(40)).toBe(buf.length - 44);
  const samples = (buf.length - 44) / 4;
  let l = 0;
  let r = 0;
  for (let i = 0; i < samples; i++) {
    l += buf.readInt16LE(44 + i * 4) ** 2;
    r += buf.readInt16LE(46 + i * 4) ** 2;
  }
  return { samples, leftRms: Math.sqrt(l / Math.max(1, samples)), rightRms: Math.sqrt(r / Math.max(1, samples)) };
}

describe('call recording through the caller simulator', () => {
  let t: ListeningApp;
  let tokenB: string;
  beforeAll(async () => {
    t = await startListeningApp();
    await t.app.ats.orgs.create({ id: 'org-rec-b', name: 'Organisation B' });
    tokenB = (await t.store.apiTokens.issue('b', 'org-rec-b')).token;
  });
  afterAll(async () => t.close());

  const endedEvents = (id: string) => waitFor(() => t.store.events.list(id), (ev) => ev.some((e) => e.type === 'call.ended'));

  it('a call ends with call.recording: a stereo WAV with both voices, served to the token, 404 to another organisation', async () => {
    expect(t.app.adapters.get('call recording')).toMatch(/stereo WAV per call .* in .*artifacts/);
    const interview = await t.store.interviews.create({ candidate: { name: 'Grace Hopper', phone: '+14155550171' }, role: { title: 'Compiler Engineer' } });
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    registerScript(call.callSid, { id: 'rec', lines: [{ text: 'Yes, I agree to continue.' }] });
    await call.start();
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    expect(await call.waitForAgentSilence(2500, { timeoutMs: 60_000 })).toBe(true);
    await call.say('Yes, I agree to continue with the interview.');
    await new Promise((r) => setTimeout(r, 500));
    await call.hangup();

    const events = await endedEvents(interview.id);
    const types = events.map((e) => e.type);
    expect(types).not.toContain('call.recording_stopped');
    const rec = events.find((e) => e.type === 'call.recording') as StoredEvent | undefined;
    expect(rec, types.join(',')).toBeDefined();
    // The recording is the call's own event: it comes before call.ended.
    expect(types.indexOf('call.recording')).toBeLessThan(types.indexOf('call.ended'));
    const { artifactId, durationMs, bytes } = rec!.payload as { artifactId: string; durationMs: number; bytes: number };
    const summary = events.find((e) => e.type === 'call.audio_summary')!.payload as { inboundAudioMs: number };
    expect(Math.abs(durationMs - summary.inboundAudioMs)).toBeLessThanOrEqual(20);
    expect(durationMs).toBeGreaterThan(5000);

    const artifact = await t.store.artifacts.get(artifactId);
    expect(artifact).toMatchObject({ interviewId: interview.id, kind: 'call_recording', contentType: 'audio/wav', byteSize: bytes });
    const file = await readFile(join(t.store.artifacts.root, artifact!.path));
    expect(file.length).toBe(bytes);
    const s = stereo(file);
    expect(s.samples).toBe((durationMs / 1000) * 8000);
    // Speech on both channels: the caller's answer on the left, the interviewer's opening on the right.
    expect(s.leftRms).toBeGreaterThan(100);
    expect(s.rightRms).toBeGreaterThan(100);
    // No partial file is left behind.
    expect((await readdir(t.store.artifacts.root)).filter((f) => f.endsWith('.partial'))).toEqual([]);

    const url = `/api/interviews/${interview.id}/recordings/${artifactId}`;
    const got = await t.app.inject({ method: 'GET', url, headers: t.auth });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('audio/wav');
    expect(got.headers['accept-ranges']).toBe('bytes');
    expect(got.rawPayload.equals(file)).toBe(true);
    const range = await t.app.inject({ method: 'GET', url, headers: { ...t.auth, range: 'bytes=0-43' } });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 0-43/${bytes}`);
    expect(range.rawPayload.equals(file.subarray(0, 44))).toBe(true);
    const tail = await t.app.inject({ method: 'GET', url, headers: { ...t.auth, range: 'bytes=-4' } });
    expect(tail.rawPayload.equals(file.subarray(-4))).toBe(true);
    expect((await t.app.inject({ method: 'GET', url, headers: { ...t.auth, range: `bytes=${bytes}-` } })).statusCode).toBe(416);

    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const other = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokenB}` } });
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('RIFF');
    // An artifact of the interview that is not a recording is not served here.
    const pdf = await t.store.artifacts.put({ interviewId: interview.id, kind: 'scorecard_pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-') });
    expect((await t.app.inject({ method: 'GET', url: `/api/interviews/${interview.id}/recordings/${pdf.id}`, headers: t.auth })).statusCode).toBe(404);
  }, 120_000);

  it('a hang-up in the middle of the opening still leaves a valid, shorter recording', async () => {
    const interview = await t.store.interviews.create({ candidate: { name: 'Early Leaver', phone: '+14155550172' }, role: { title: 'Compiler Engineer' } });
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    await call.start();
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    await call.hangup();
    const events = await endedEvents(interview.id);
    const rec = events.find((e) => e.type === 'call.recording');
    expect(rec, events.map((e) => e.type).join(',')).toBeDefined();
    const { artifactId, durationMs } = rec!.payload as { artifactId: string; durationMs: number };
    expect(durationMs).toBeGreaterThan(500);
    expect(durationMs).toBeLessThan(5000);
    const artifact = await t.store.artifacts.get(artifactId);
    const s = stereo(await readFile(join(t.store.artifacts.root, artifact!.path)));
    expect(s.samples).toBe((durationMs / 1000) * 8000);
    // The opening had started: the agent's channel carries it.
    expect(s.rightRms).toBeGreaterThan(100);
  }, 60_000);
});

describe('CALL_RECORDING=off', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp({ CALL_RECORDING: 'off' });
  });
  afterAll(async () => t.close());

  it('records nothing and says so in the banner', async () => {
    expect(t.app.adapters.get('call recording')).toMatch(/^off/);
    const interview = await t.store.interviews.create({ candidate: { name: 'Not Recorded', phone: '+14155550173' }, role: { title: 'Compiler Engineer' } });
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    await call.start();
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    await call.hangup();
    const events = await waitFor(() => t.store.events.list(interview.id), (ev) => ev.some((e) => e.type === 'call.ended'));
    expect(events.map((e) => e.type)).not.toContain('call.recording');
  }, 60_000);
});
