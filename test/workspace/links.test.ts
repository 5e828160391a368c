/**
 * The workspace edge without a browser: links (texted, hashed, scoped, expiring), friendly refusals, headers and
 * MIME types, the live channel (takeover, foreign origins, other interviews), rate limits, Twilio's opt-out, and
 * 20 hostile submissions in parallel while the service keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sql } from 'drizzle-orm';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { readOutbox, linkInBody, TwilioSms } from '../../src/workspace/sms.js';
import { Verifier } from '../../src/workspace/verifier/verifier.js';
import type { ServerMessage } from '../../src/workspace/protocol.js';
import type { TwilioRest } from '../../src/telephony/twilio/rest.js';

let t: ListeningApp;
// Niceness 0: beside the suite's other worker a nice-10 child loads slowly enough to read as a timeout (production
// keeps the default); three warm so the burst starts on loaded children. The production time limit (5 s): the burst
// empties the pool, and a child started for the run executes on V8's baseline code until it tiers up (snapshot.ts),
// which with three children and the suite's other worker on 2 cores took a refused import past a 2 s limit.
const verifier = new Verifier({ timeoutMs: 5000, concurrency: 3, warm: 3, niceness: 0 });

beforeAll(async () => {
  t = await startListeningApp({ WORKSPACE_GRACE_MS: '0', WORKSPACE_SUBMITS_PER_MINUTE: '30' }, { workspace: { verifier } });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await verifier.close();
});

let n = 0;
async function interview() {
  n++;
  const phone = `+1415555${String(1000 + n).padStart(4, '0')}`;
  const iv = await t.store.interviews.create({ candidate: { name: `Candidate ${n}`, phone }, role: { title: 'Backend Engineer', level: 'mid' } });
  return { id: iv.id, phone };
}
async function linkFor(iv: { id: string; phone: string }) {
  const sent = await t.app.workspace.sendLink({ interviewId: iv.id, tenantId: 'default', to: iv.phone, reason: 'open_ide' });
  return { url: sent.url, token: sent.url.split('/w/')[1]! };
}
const events = async (id: string, type: string) => (await t.store.events.list(id, { types: [type] })).map((e) => e.payload);

function connect(token: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/w/${token}/live`, { headers });
  const messages: ServerMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
  const next = async (type: ServerMessage['type'], timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = messages.find((m) => m.type === type);
      if (found) {
        messages.splice(messages.indexOf(found), 1);
        return found;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${type} message within ${timeoutMs} ms`);
  };
  return { ws, messages, closed, next, send: (m: unknown) => ws.send(JSON.stringify(m)) };
}

describe('links and the SMS', () => {
  it('texts PUBLIC_URL/w/<token> to the outbox; the event and the database never hold the raw token', async () => {
    const iv = await interview();
    const { url, token } = await linkFor(iv);
    expect(url).toBe(`${t.url}/w/${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [sms] = await readOutbox(t.dataDir, { to: iv.phone });
    expect(linkInBody(sms!.body)).toBe(url);
    expect(sms!.body).toMatch(/^screenline: .* Reply STOP to opt out\.$/);
    const [ev] = await events(iv.id, 'sms.sent');
    expect(ev).toMatchObject({ adapter: 'outbox', status: 'sent', to: `…${iv.phone.slice(-4)}`, reason: 'open_ide' });
    expect(JSON.stringify(ev)).not.toContain(token);
    const rows = await t.store.db.execute(sql`select * from workspace_links where interview_id = ${iv.id}`);
    expect(JSON.stringify(rows)).not.toContain(token);
    // The same process reuses the interview's token for a second text.
    expect((await linkFor(iv)).token).toBe(token);
  });

  it('records Twilio 21610 (the candidate replied STOP) as a normal outcome', async () => {
    const optedOut = Object.assign(new Error('Attempt to send to unsubscribed recipient'), { cause: Object.assign(new Error('RestException'), { code: 21610, status: 400 }) });
    const rest = { describe: () => 'twilio (stub)', sendSms: () => Promise.reject(optedOut) } as unknown as TwilioRest;
    const out = await new TwilioSms(rest).send('+14155550000', 'hello');
    expect(out).toMatchObject({ status: 'opted_out', errorCode: 21610 });
    const ok = await new TwilioSms({ describe: () => 'x', sendSms: () => Promise.resolve({ messageSid: 'SM1' }) } as unknown as TwilioRest).send('+1', 'b');
    expect(ok).toEqual({ status: 'sent', messageSid: 'SM1' });
  });

  it('serves the page cross-origin isolated, with a strict CSP and no referrer; wasm as application/wasm', async () => {
    const iv = await interview();
    const { token } = await linkFor(iv);
    const page = await fetch(`${t.url}/w/${token}`);
    expect([200, 503]).toContain(page.status); // 503 "starting" only when the bundle was never built here
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self' 'wasm-unsafe-eval'.*frame-ancestors 'none'/);
    const wasm = await fetch(`${t.url}/w/pyodide/pyodide.asm.wasm`, { method: 'HEAD' });
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const mjs = await fetch(`${t.url}/w/pyodide/pyodide.mjs`, { method: 'HEAD' });
    expect(mjs.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.url}/w/pyodide/package.json`)).status).toBe(404);
  });

  it('refuses unknown, tampered and malformed tokens with a friendly page, logs and counts them', async () => {
    const iv = await interview();
    const { token } = await linkFor(iv);
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [tampered, 'x'.repeat(43), 'short', '..%2F..%2Fetc%2Fpasswd']) {
      const res = await fetch(`${t.url}/w/${bad}`);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('This link does not work');
      expect(html).not.toMatch(/stack|at \/|Error:|\.ts:\d/);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
    const metrics = await (await fetch(`${t.url}/metrics`, { headers: t.auth })).text();
    expect(metrics).toMatch(/screenline_workspace_links_refused_total\{reason="unknown"\} [1-9]/);
    expect(metrics).toMatch(/screenline_workspace_links_refused_total\{reason="malformed"\} [1-9]/);
  });

  it('refuses a link after the interview ended (grace 0) and records the attempt; the socket is closed 4404', async () => {
    const iv = await interview();
    const { token } = await linkFor(iv);
    expect((await fetch(`${t.url}/w/${token}`)).status).not.toBe(404);
    await t.store.interviews.transition(iv.id, 'completed');
    await t.app.workspace.end(iv.id);
    const res = await fetch(`${t.url}/w/${token}`);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link has expired');
    const page = connect(token);
    expect((await page.closed).code).toBe(4404);
    const refused = await events(iv.id, 'workspace.link_refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[0]).toMatchObject({ reason: expect.stringMatching(/ended|expired/) });
  });
});

describe('the live channel', () => {
  it('scopes a token to its interview: another interview\'s surface and code never show', async () => {
    const a = await interview();
    const b = await interview();
    const la = await linkFor(a);
    await t.app.workspace.openSurface(b.id, { kind: 'ide', problemId: 'lru-cache' });
    const page = connect(la.token);
    const hello = (await page.next('hello')) as Extract<ServerMessage, { type: 'hello' }>;
    expect(hello.surface).toBeNull();
    expect(hello.problem).toBeNull();
    expect(hello.candidateName).toBe('Candidate');
    expect(hello.binding.code).toMatch(/^\d{4}$/);
    page.ws.close();
  });

  it('pushes the surface live, resumes code after a reconnect, and lets a second page take over', async () => {
    const iv = await interview();
    const { token } = await linkFor(iv);
    const first = connect(token);
    await first.next('hello');
    await t.app.workspace.openSurface(iv.id, { kind: 'ide', problemId: 'merge-intervals' });
    const surface = (await first.next('surface')) as Extract<ServerMessage, { type: 'surface' }>;
    expect(surface.problem).toMatchObject({ id: 'merge-intervals', hiddenTestCount: 4 });
    expect(JSON.stringify(surface)).not.toContain('reference');
    first.send({ type: 'code', code: 'def merge(intervals):\n    return sorted(intervals)\n' });
    await new Promise((r) => setTimeout(r, 200));
    const second = connect(token, { origin: t.url });
    const hello = (await second.next('hello')) as Extract<ServerMessage, { type: 'hello' }>;
    expect(hello.code).toContain('return sorted(intervals)');
    expect(hello.problem?.id).toBe('merge-intervals');
    await first.next('taken_over');
    expect((await first.closed).code).toBe(4001);
    expect((await events(iv.id, 'workspace.opened')).at(-1)).toMatchObject({ tookOver: true, resumed: true });
    second.ws.close();
  });

  it('refuses a socket from a foreign origin', async () => {
    const iv = await interview();
    const { token } = await linkFor(iv);
    const page = connect(token, { origin: 'https://evil.example' });
    expect((await page.closed).code).toBe(4403);
  });

  it('records integrity facts and summarises them without judging', async () => {
    const iv = await interview();
    const { token } = await linkFor(iv);
    const page = connect(token);
    const hello = (await page.next('hello')) as Extract<ServerMessage, { type: 'hello' }>;
    await t.app.workspace.openSurface(iv.id, { kind: 'ide', problemId: 'dedupe' });
    page.send({ type: 'integrity', kind: 'paste', chars: 420, lines: 12 });
    page.send({ type: 'integrity', kind: 'focus_lost', how: 'hidden', durationMs: 31_000 });
    page.send({ type: 'integrity', kind: 'large_insertion', chars: 900, lines: 30 });
    page.send({ type: 'integrity', kind: 'paste', chars: -5, lines: 1 }); // malformed: ignored
    page.send({ type: 'run', passed: 2, total: 3, failing: ['no duplicates'], outcome: 'completed', durationMs: 40 });
    await expect.poll(async () => (await events(iv.id, 'code.run')).length).toBe(1);
    expect(await events(iv.id, 'integrity.paste')).toEqual([expect.objectContaining({ chars: 420, lines: 12 })]);
    expect(await events(iv.id, 'integrity.focus_lost')).toEqual([expect.objectContaining({ kind: 'hidden', durationMs: 31_000 })]);
    const facts = 'ran the visible tests: 2 of 3 pass; failing: no duplicates. page signals (facts, not judgements): 1 paste (420 chars), 1 large insertion, left the page 1 time (31 s).';
    // Until the phone has heard the page's code, the summary asks the interviewer to get it.
    expect(t.app.workspace.summary(iv.id)).toBe(`the page is open but not yet linked to this call: ask them to read you the four-digit code at the top of their page. ${facts}`);
    expect(await t.app.workspace.hearBinding(iv.id, `it says ${hello.binding.code}`)).toEqual({ ok: true });
    expect(t.app.workspace.summary(iv.id)).toBe(facts);
    page.ws.close();
  });
});

describe('verification through the hub', () => {
  it('rate-limits submissions per interview', async () => {
    const iv = await interview();
    await t.app.workspace.openSurface(iv.id, { kind: 'ide', problemId: 'two-sum' });
    const hub = t.app.workspace as unknown as { o: { submitsPerMinute: number } };
    const saved = hub.o.submitsPerMinute;
    hub.o.submitsPerMinute = 1;
    try {
      expect(await t.app.workspace.submitCode(iv.id, 'def two_sum(nums, target):\n    return [0, 1]\n')).toMatchObject({ verdict: 'failed' });
      expect(await t.app.workspace.submitCode(iv.id, 'def two_sum(nums, target):\n    return [0, 1]\n')).toBeUndefined();
    } finally {
      hub.o.submitsPerMinute = saved;
    }
    expect(await events(iv.id, 'code.rate_limited')).toEqual([expect.objectContaining({ kind: 'submit' })]);
  }, 60_000);

  it('20 hostile submissions in parallel are stopped and recorded while the service keeps answering', async () => {
    const hostile = [
      'def two_sum(nums, target):\n    while True:\n        pass\n',
      'def two_sum(nums, target):\n    x = [0] * (1024 ** 3)\n    return x\n',
      'import os\ndef two_sum(nums, target):\n    return [os.fork(), 0]\n',
      'import socket\ndef two_sum(nums, target):\n    return []\n',
      'import js\ndef two_sum(nums, target):\n    return [js.process.pid, 0]\n',
    ];
    const expected = ['timeout', 'memory', 'forbidden', 'forbidden', 'forbidden'];
    const ivs = await Promise.all(Array.from({ length: 20 }, () => interview()));
    await Promise.all(ivs.map((iv) => t.app.workspace.openSurface(iv.id, { kind: 'ide', problemId: 'two-sum' })));
    const started = Date.now();
    const health: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        const res = await fetch(`${t.url}/health`);
        expect(res.status).toBe(200);
        health.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const results = await Promise.all(ivs.map((iv, i) => t.app.workspace.submitCode(iv.id, hostile[i % hostile.length]!)));
    done = true;
    await probe;
    // On a mismatch the reasons say why (a child that could not load on a saturated machine reads "crashed").
    const got = results.map((r) => `${r?.verdict}: ${r?.reason ?? ''}`);
    expect(results.map((r) => r?.verdict), got.join('\n')).toEqual(ivs.map((_, i) => expected[i % expected.length]));
    for (const iv of ivs) expect((await events(iv.id, 'code.verified')).length).toBe(1);
    health.sort((a, b) => a - b);
    const p95 = health[Math.floor(health.length * 0.95)]!;
    expect(p95).toBeLessThan(500);
    console.log(`20 hostile verifications in ${Date.now() - started} ms; /health p95 ${p95.toFixed(1)} ms over ${health.length} probes`);
  }, 240_000);
});

describe('the open_ide adapter', () => {
  it('picks a problem for the role, opens it, and texts the link when no page is open', async () => {
    const { workspaceSurfaceTools } = await import('../../src/workspace/index.js');
    const iv = await interview();
    const tools = workspaceSurfaceTools(t.app.workspace, { interviewId: iv.id, tenantId: 'default', phone: iv.phone, roleTitle: 'Senior Backend Engineer' });
    const result = await tools.openIde({ problem: 'anything' }, new AbortController().signal);
    expect(result).toMatchObject({ opened: true, pageOpen: false, linkTexted: true, linkStatus: 'sent' });
    const [opened] = await events(iv.id, 'workspace.surface_opened');
    expect(['lru-cache', 'rate-limiter']).toContain(opened!.problemId);
    expect((await readOutbox(t.dataDir, { to: iv.phone })).length).toBe(1);
  });
});
