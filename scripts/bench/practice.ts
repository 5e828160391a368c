/**
 * The browser practice line against the phone path, same app, same run, calls alternating: what the practice line
 * adds before the first agent audio frame (its claim + stream-token mint against Twilio's signed webhook, its link
 * check on the upgrade against the signature check), and the page's own per-frame work (PCM → mu-law → JSON). The
 * media path after `start` is one function for both (routes/twilio/media.ts `serveMediaStream`), so the per-frame
 * server figures are the phone's. Providers: the simulated synthesizer (fixed first-byte latency) and the Deepgram
 * simulator, in process. Standalone: `npx tsx scripts/bench/practice.ts [--quick]`; `npm run bench` runs it too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import twilio from 'twilio';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openStore, PGLITE_MEMORY_URL } from '../../src/store/store.js';
import { startSimulation } from '../../src/sim/local-mode.js';
import { createLogger } from '../../src/lib/logger.js';
import { freePort } from '../../src/lib/free-port.js';
import { createPracticeRepo } from '../../src/store/repos/practice.js';
import { encodeMulaw } from '../../src/audio/mulaw.js';
import { Wire } from '../../src/web/practice/wire.js';
import { CallProbe, DEFAULT_LATENCIES, SimSynthesizer } from './sim-providers.js';
import { summarize, type Summary } from './stats.js';

interface PathFigures {
  /** Request → its answer (phone: signed TwiML webhook; practice: claim + mint). */
  answerMs: Summary;
  /** WebSocket upgrade (phone: signature check; practice: link check). */
  upgradeMs: Summary;
  /** `start` sent → first agent audio frame received (token check, session, opening's TTS first byte). */
  startToFirstFrameMs: Summary;
  totalMs: Summary;
}

export interface PracticeBenchResult {
  calls: number;
  ttsFirstByteMs: number;
  phone: PathFigures;
  practice: PathFigures;
  /** practice − phone, p50 of the totals. */
  addedP50Ms: number;
  /** The page's work per 20 ms frame (Float32 → PCM16 → mu-law → base64 JSON), µs. */
  pageEncodeUsPerFrame: number;
}

const AUTH_TOKEN = 'bench-practice-auth-token';
const API_TOKEN = 'sl_bench_practice_token_0123456789';
const sid = (p: string) => p + [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');

function startMsg(ids: { callSid: string; streamSid: string; accountSid: string }, token: string): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: '1',
    streamSid: ids.streamSid,
    start: { ...ids, tracks: ['inbound'], customParameters: { token }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
  });
}

async function openWs(url: string, headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return ws;
}

/** Sends `start`, resolves on the first agent media frame, then hangs up (`stop`) and waits for the close. */
async function firstFrame(ws: WebSocket, ids: { callSid: string; streamSid: string; accountSid: string }, token: string): Promise<number> {
  const t0 = performance.now();
  const got = new Promise<number>((resolve, reject) => {
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { event: string }).event === 'media') resolve(performance.now() - t0);
    });
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
  });
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(startMsg(ids, token));
  const ms = await got;
  const closed = new Promise((r) => ws.once('close', r));
  ws.send(JSON.stringify({ event: 'stop', sequenceNumber: '2', streamSid: ids.streamSid, stop: { accountSid: ids.accountSid, callSid: ids.callSid } }));
  await closed;
  return ms;
}

function pageEncodeCost(frames: number): number {
  const wire = new Wire({ callSid: sid('CA'), streamSid: sid('MZ'), accountSid: sid('AC') });
  const input = new Float32Array(160).map((_, i) => Math.sin(i / 4) * 0.3);
  const pcm = new Int16Array(160);
  const out = new Uint8Array(160);
  let bytes = 0;
  const t0 = performance.now();
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < 160; i++) {
      const s = input[i]!;
      pcm[i] = s < 0 ? s * 32768 : s * 32767;
    }
    bytes += wire.media(encodeMulaw(pcm, out), f * 20).length;
  }
  const us = ((performance.now() - t0) * 1000) / frames;
  if (bytes === 0) throw new Error('no frames encoded');
  return Math.round(us * 100) / 100;
}

export async function run(opts: { quick?: boolean } = {}): Promise<PracticeBenchResult> {
  const calls = opts.quick ? 6 : 20;
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-bench-practice-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, API_TOKEN, PUBLIC_URL: base, PORT: String(port), TWILIO_AUTH_TOKEN: AUTH_TOKEN });
  const store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir });
  const simulation = await startSimulation(config, createLogger('silent'));
  const tts = new SimSynthesizer(DEFAULT_LATENCIES, new CallProbe());
  const app = await buildApp(config, { store, simulation, providers: { tts: [tts] } });
  await app.listen({ port, host: '127.0.0.1' });
  const links = createPracticeRepo(store.db);
  const wsBase = base.replace(/^http/, 'ws');
  const phone = { answer: [] as number[], upgrade: [] as number[], first: [] as number[], total: [] as number[] };
  const practice = { answer: [] as number[], upgrade: [] as number[], first: [] as number[], total: [] as number[] };
  const idle = async () => {
    while (app.liveCalls.registry.size > 0) await new Promise((r) => setTimeout(r, 5));
  };
  const interview = async () => (await store.interviews.create({ candidate: { name: 'Bench Caller', phone: '+14155550100' }, role: { title: 'Backend Engineer' } })).id;

  try {
    // One of each first, not counted: JIT, PGlite and the synthesizer warm up.
    for (let i = -1; i < calls; i++) {
      // Phone: the signed voice webhook → TwiML with the stream token → signed upgrade → start.
      {
        const id = await interview();
        const ids = { callSid: sid('CA'), streamSid: sid('MZ'), accountSid: sid('AC') };
        const url = `${base}/twilio/voice?interviewId=${id}`;
        const params = { CallSid: ids.callSid, From: '+14155550999', To: '+14155550100', CallStatus: 'in-progress' };
        const t0 = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) }, body: new URLSearchParams(params) });
        const token = /<Parameter name="token" value="([^"]+)"/.exec(await res.text())?.[1];
        if (!token) throw new Error('phone: no stream token in the TwiML');
        const t1 = performance.now();
        const mediaUrl = `${wsBase}/twilio/media`;
        const ws = await openWs(mediaUrl, { 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, mediaUrl, {}) });
        const t2 = performance.now();
        const first = await firstFrame(ws, ids, token);
        if (i >= 0) {
          phone.answer.push(t1 - t0);
          phone.upgrade.push(t2 - t1);
          phone.first.push(first);
          phone.total.push(t2 - t0 + first);
        }
        await idle();
      }
      // Practice: the page's claim → its stream token → the link-checked upgrade → start.
      {
        const id = await interview();
        const { token: link } = await links.issue({ interviewId: id, tenantId: 'default', maxAgeMs: 600_000 });
        const t0 = performance.now();
        const res = await fetch(`${base}/practice/${link}/call`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ mode: 'voice' }) });
        const started = (await res.json()) as { callSid: string; streamSid: string; accountSid: string; streamToken: string; mediaPath: string };
        if (res.status !== 201) throw new Error(`practice: call refused ${res.status}`);
        const t1 = performance.now();
        const ws = await openWs(`${wsBase}${started.mediaPath}`, { origin: base });
        const t2 = performance.now();
        const first = await firstFrame(ws, started, started.streamToken);
        if (i >= 0) {
          practice.answer.push(t1 - t0);
          practice.upgrade.push(t2 - t1);
          practice.first.push(first);
          practice.total.push(t2 - t0 + first);
        }
        await idle();
      }
    }
  } finally {
    await app.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const figures = (p: typeof phone): PathFigures => ({ answerMs: summarize(p.answer), upgradeMs: summarize(p.upgrade), startToFirstFrameMs: summarize(p.first), totalMs: summarize(p.total) });
  const result = {
    calls,
    ttsFirstByteMs: DEFAULT_LATENCIES.ttsFirstByteMs,
    phone: figures(phone),
    practice: figures(practice),
    addedP50Ms: 0,
    pageEncodeUsPerFrame: pageEncodeCost(opts.quick ? 20_000 : 100_000),
  };
  result.addedP50Ms = Math.round(((result.practice.totalMs.p50 ?? 0) - (result.phone.totalMs.p50 ?? 0)) * 100) / 100;
  return result;
}

export function practiceTable(r: PracticeBenchResult): string {
  const row = (name: string, key: keyof PathFigures) => {
    const a = r.phone[key];
    const b = r.practice[key];
    const d = (b.p50 ?? 0) - (a.p50 ?? 0);
    return `| ${name} | ${a.p50} / ${a.p99} | ${b.p50} / ${b.p99} | ${d >= 0 ? '+' : ''}${d.toFixed(2)} |`;
  };
  return [
    `practice line vs phone path (${r.calls} calls each, alternating, same app; simulated TTS first byte ${r.ttsFirstByteMs} ms)`,
    '| ms (p50 / p99) | phone | practice | practice − phone (p50) |',
    '|---|---|---|---|',
    row('answer (webhook TwiML / claim + mint)', 'answerMs'),
    row('media upgrade (signature / link check)', 'upgradeMs'),
    row('start → first agent frame', 'startToFirstFrameMs'),
    row('total to first agent frame', 'totalMs'),
    `page per 20 ms frame (PCM16 → mu-law → JSON): ${r.pageEncodeUsPerFrame} µs; per-frame server path: the same function as the phone (serveMediaStream)`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run({ quick: process.argv.includes('--quick') })
    .then((r) => console.log(practiceTable(r)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
