/**
 * Operations metrics after a real simulated call through the phone edge (signed webhook, media socket, audio both
 * ways, a barge-in): every series issue 14 asks for is scraped from /metrics with sane values, the call's cost is
 * in its event log and on the scorecard JSON, and /metrics refuses scrapes without the right bearer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { startTestApp } from '../helpers/app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { freePort } from '../../src/lib/free-port.js';

/** Sum of the samples of one metric whose labels include every given pair. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(m[3]);
  }
  return found;
}

describe('metrics after a simulated call', () => {
  let t: ListeningApp;
  let text = '';
  let interviewId = '';
  beforeAll(async () => {
    t = await startListeningApp({ COST_TTS_PER_1K_CHARS: '0.1', COST_TELEPHONY_PER_MINUTE: '0.02' });
    const interview = await t.store.interviews.create({ candidate: { name: 'Katherine Johnson', phone: '+14155550177' }, role: { title: 'Backend Engineer' } });
    interviewId = interview.id;
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId });
    registerScript(call.callSid, { id: 'ops', lines: [{ text: 'Yes, I consent to that.' }, { text: 'Sorry, could you say that again please, I missed the start.' }] });
    expect((await call.start()).outcome).toBe('stream');
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    expect(await call.waitForAgentSilence(1200, { timeoutMs: 60_000 })).toBe(true);
    const answeredAt = call.nowMs();
    await call.say('Yes, I consent to that.');
    // The agent's next line: talk over it (a barge-in), then let it finish and hang up.
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000, sinceMs: answeredAt })).toBe(true);
    await call.say('Sorry, could you say that again please, I missed the start.');
    await call.waitForAgentSilence(1500, { timeoutMs: 60_000 });
    await call.hangup();
    const until = Date.now() + 15_000;
    while (Date.now() < until && !(await t.store.events.list(interviewId, { types: ['call.ended'] })).length) await new Promise((r) => setTimeout(r, 50));
    text = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth })).body;
  }, 150_000);
  afterAll(async () => t?.close());

  it('counts the call: outcome, end reason, the live gauge back at 0', () => {
    expect(sample(text, 'screenline_call_outcomes_total')).toBe(1);
    expect(sample(text, 'screenline_calls_ended_total', { reason: 'stop' })).toBe(1);
    expect(sample(text, 'screenline_live_calls')).toBe(0);
  });

  it('has turn latency by stage with sane values', () => {
    for (const stage of ['stt_final', 'end_of_turn', 'first_frame']) {
      const count = sample(text, 'screenline_turn_stage_seconds_count', { stage });
      const sum = sample(text, 'screenline_turn_stage_seconds_sum', { stage });
      expect(count, stage).toBeGreaterThanOrEqual(1);
      // Seconds, not milliseconds: a turn stage of a simulated call is well under 10 s on average.
      expect(sum! / count!, stage).toBeGreaterThanOrEqual(0);
      expect(sum! / count!, stage).toBeLessThan(10);
    }
  });

  it('counts the barge-in and its verdict', () => {
    expect(sample(text, 'screenline_barge_ins_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'screenline_barge_in_verdicts_total')).toBeGreaterThanOrEqual(1);
  });

  it('times HTTP requests by route pattern and status class', () => {
    expect(sample(text, 'screenline_http_request_duration_seconds_count', { route: '/twilio/voice', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
  });

  it('reports queue depth and job latency for the jobs the call enqueued', async () => {
    // The end-of-call scoring jobs run in-process; wait until one finished, then scrape again.
    const until = Date.now() + 30_000;
    let again = text;
    while (Date.now() < until && !sample(again, 'screenline_job_duration_seconds_count')) {
      await new Promise((r) => setTimeout(r, 200));
      again = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth })).body;
    }
    expect(sample(again, 'screenline_job_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(again, 'screenline_job_wait_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(again).toMatch(/^screenline_queue_depth\{job="[a-z-]+",state="waiting"\} \d+$/m);
  }, 40_000);

  it('exposes event-loop lag (monitorEventLoopDelay) and GC pauses (PerformanceObserver)', () => {
    const p99 = sample(text, 'screenline_nodejs_eventloop_lag_p99_seconds');
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(5);
    expect(text).toMatch(/^screenline_nodejs_gc_duration_seconds_count\{kind="\w+"\} \d+$/m);
  });

  it('writes the cost estimate as call.cost before call.ended, counts it, and puts it on the scorecard JSON', async () => {
    const events = await t.store.events.list(interviewId);
    const types = events.map((e) => e.type);
    expect(types.indexOf('call.cost')).toBeGreaterThan(-1);
    expect(types.indexOf('call.cost')).toBeLessThan(types.indexOf('call.ended'));
    const cost = events.find((e) => e.type === 'call.cost')!.payload as { usage: Record<string, number>; components: Record<string, number>; total: number; currency: string };
    expect(cost.currency).toBe('USD');
    expect(cost.usage.ttsCharacters).toBeGreaterThan(50);
    expect(cost.usage.sttSeconds).toBeGreaterThan(1);
    expect(cost.usage.telephonySeconds).toBeGreaterThan(cost.usage.sttSeconds - 1);
    expect(cost.usage.telephonyBilledMinutes).toBe(Math.ceil(cost.usage.telephonySeconds / 60));
    expect(cost.components.tts).toBeCloseTo((cost.usage.ttsCharacters / 1000) * 0.1, 5);
    expect(cost.components.telephony).toBeCloseTo(cost.usage.telephonyBilledMinutes * 0.02, 5);
    expect(cost.total).toBeCloseTo(cost.components.stt + cost.components.llm + cost.components.tts + cost.components.telephony, 5);
    expect(sample(text, 'screenline_usage_total', { kind: 'tts_characters' })).toBe(cost.usage.ttsCharacters);
    expect(sample(text, 'screenline_interview_cost_estimate_count')).toBe(1);
    expect(sample(text, 'screenline_cost_estimate_total', { component: 'tts' })).toBeCloseTo(cost.components.tts, 5);

    const card = (await t.app.inject({ method: 'GET', url: `/api/interviews/${interviewId}/scorecard`, headers: t.auth })).json();
    expect(card.cost).toEqual(cost);
  });
});

describe('GET /metrics protection', () => {
  it('refuses a scrape without a bearer, accepts the API token when METRICS_TOKEN is unset', async () => {
    const t = await startTestApp();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
      const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toMatch(/^# TYPE screenline_errors_total counter$/m);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('with METRICS_TOKEN only that token scrapes', async () => {
    const t = await startTestApp({ METRICS_TOKEN: 'metrics-secret-token-123' });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth })).statusCode).toBe(401);
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-secret-token-123' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^screenline_live_calls 0$/m);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('with METRICS_PORT the public port has no /metrics; the metrics port serves it (and asks for METRICS_TOKEN)', async () => {
    const port = await freePort();
    const t = await startTestApp({ METRICS_PORT: String(port), METRICS_TOKEN: 'metrics-secret-token-123', HOST: '127.0.0.1' });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-secret-token-123' } })).statusCode).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer metrics-secret-token-123' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^screenline_live_calls 0$/m);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await t.close();
    }
  }, 120_000);
});
