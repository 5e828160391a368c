/**
 * Tenant isolation: a token of organisation B gets 404 for every resource of organisation A. The routes come from
 * the app itself (printRoutes), so a route added later is covered without touching this test.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startTwilioRecorder, type TwilioRecorder } from '../helpers/twilio-recorder.js';
import { seedInterview } from '../scoring/fixtures.js';
import { enqueueEndOfCall } from '../../src/scoring/index.js';
import { RECORDING_CONTENT_TYPE, RECORDING_KIND } from '../../src/interview/capabilities/recording.js';

const RESUME = `Alex Rivera
Experience
Acme Queues — Staff Engineer, 2018–2024. Rebuilt the billing ledger on PostgreSQL with idempotency keys; cut reconciliation from 6 hours to 9 minutes.
Skills
Go, Python, PostgreSQL, Kafka`;
/** A weekday morning in California (the candidates' numbers are +1 415): "call now" is inside the calling window. */
const CLOCK = new Date('2026-03-04T18:00:00Z');

let t: TestApp;
let rec: TwilioRecorder;
let liveUrl: string;
let tokenB: string;
let interviewA: { id: string; candidateId: string; name: string };
/** Tenant A's finished interview with everything a resource route can name: resume, scorecard, report, recording, image. */
let rich: { id: string; recordingId: string; imageId: string };

/** (method, path) of every route, read from Fastify's route tree. */
function routesOf(tree: string): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│├└─\s]*?)(?:├── |└── )(.+?) \(([A-Z, ]+)\)$/.exec(line) ?? /^([│├└─\s]*?)(?:├── |└── )(.+)$/.exec(line);
    if (!m) continue;
    const depth = Math.round(m[1]!.length / 4);
    stack.length = depth;
    stack[depth] = m[2]!;
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ method, path });
  }
  return out;
}

/** A new scheduled interview of tenant A, created through the API: the target of a route that changes state. */
async function freshInterview(label: string): Promise<{ id: string; candidateId: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/interviews',
    headers: t.auth,
    payload: { candidate: { name: `Org A ${label}`, phone: '+14155550178' }, role: { title: 'Org A Role' } },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json<{ id: string; candidate: { id: string } }>();
  return { id: body.id, candidateId: body.candidate.id };
}

beforeAll(async () => {
  rec = await startTwilioRecorder();
  t = await startTestApp(
    {
      RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
      PUBLIC_URL: 'https://screen.example.com',
      TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32),
      TWILIO_AUTH_TOKEN: 'tenant-isolation-auth-token',
      TWILIO_FROM_NUMBER: '+14155550999',
      TWILIO_API_BASE_URL: rec.baseUrl,
    },
    { scheduling: { now: () => CLOCK, poller: false } },
  );
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  liveUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  await t.app.ats.orgs.create({ id: 'org-b', name: 'Organisation B' });
  tokenB = (await t.store.apiTokens.issue('b', 'org-b')).token;
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/interviews',
    headers: t.auth,
    payload: { candidate: { name: 'Secret Candidate Alpha', phone: '+14155550177' }, role: { title: 'Org A Role', description: 'Distributed systems in Go.' } },
  });
  expect(created.statusCode).toBe(201);
  const body = created.json<{ id: string; candidate: { id: string } }>();
  interviewA = { id: body.id, candidateId: body.candidate.id, name: 'Secret Candidate Alpha' };

  // The finished interview (tenant A = the default organisation): a transcript, the resume in grounding, the
  // scorecard and report from the scoring job, a call recording and a board image.
  const id = await seedInterview(t.store, { workspace: true });
  expect((await t.store.interviews.get(id, { tenantId: 'default' }))?.id).toBe(id);
  await t.app.grounding.ingest(id, 'resume', { text: RESUME });
  const recording = await t.store.artifacts.put({ interviewId: id, kind: RECORDING_KIND, contentType: RECORDING_CONTENT_TYPE, bytes: Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(60)]) });
  const image = await t.store.artifacts.put({ interviewId: id, kind: 'board_png', contentType: 'image/png', bytes: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
  rich = { id, recordingId: recording.id, imageId: image.id };
  await enqueueEndOfCall(t.app.queue, { interviewId: id });
  await vi.waitFor(
    async () => {
      const res = await t.app.inject({ method: 'GET', url: `/api/interviews/${id}/scorecard`, headers: t.auth });
      expect(res.json<{ state: string; links: { pdf: string | null } }>()).toMatchObject({ state: 'ready', links: { pdf: expect.any(String) } });
    },
    { timeout: 30_000, interval: 100 },
  );
});

afterAll(async () => {
  await t?.close();
  await rec?.close();
});

interface RouteRequest {
  /** `rich`: the finished interview (read-only routes); `fresh`: a new scheduled interview per route (routes that change state). */
  target: 'rich' | 'fresh';
  url: (i: { id: string; candidateId: string }) => string;
  headers?: Record<string, string>;
  payload?: string;
  /** What tenant A's own token gets for the same request. */
  okStatus: number;
  /** Further proof that A's answer reached the data (not an empty shell). */
  check?: (body: string) => void;
}

const json = { 'content-type': 'application/json' };
/** A valid request per resource route, so the lookup is what answers B (not a schema refusal). */
const REQUESTS: Record<string, RouteRequest> = {
  'GET /api/interviews/:id': { target: 'rich', url: (i) => `/api/interviews/${i.id}`, okStatus: 200, check: (b) => expect(b).toContain('Alex Rivera') },
  'GET /api/interviews/:id/events': { target: 'rich', url: (i) => `/api/interviews/${i.id}/events?limit=50`, okStatus: 200, check: (b) => expect(b).toContain('transcript.final') },
  'GET /api/interviews/:id/live': { target: 'rich', url: (i) => `/api/interviews/${i.id}/live?afterSeq=0`, okStatus: 200 },
  'GET /api/interviews/:id/scorecard': { target: 'rich', url: (i) => `/api/interviews/${i.id}/scorecard`, okStatus: 200, check: (b) => expect(JSON.parse(b)).toMatchObject({ state: 'ready' }) },
  'GET /api/interviews/:id/report.pdf': { target: 'rich', url: (i) => `/api/interviews/${i.id}/report.pdf`, okStatus: 200, check: (b) => expect(b.slice(0, 5)).toBe('%PDF-') },
  'GET /api/interviews/:id/search': {
    target: 'rich',
    url: (i) => `/api/interviews/${i.id}/search?q=${encodeURIComponent('billing ledger reconciliation')}&source=resume&limit=3`,
    okStatus: 200,
    check: (b) => expect(JSON.parse(b).results.map((r: { text: string }) => r.text).join(' ')).toMatch(/billing ledger/),
  },
  'GET /api/interviews/:id/grounding': { target: 'rich', url: (i) => `/api/interviews/${i.id}/grounding`, okStatus: 200, check: (b) => expect(JSON.parse(b).documents.length).toBeGreaterThan(0) },
  'GET /api/interviews/:id/recordings/:artifactId': { target: 'rich', url: (i) => `/api/interviews/${i.id}/recordings/${rich.recordingId}`, okStatus: 200, check: (b) => expect(b.slice(0, 4)).toBe('RIFF') },
  'GET /api/interviews/:id/artifacts/:artifactId': { target: 'rich', url: (i) => `/api/interviews/${i.id}/artifacts/${rich.imageId}`, okStatus: 200 },
  // The same resume text again, so the search above finds it whichever runs first.
  'PUT /api/interviews/:id/resume': { target: 'rich', url: (i) => `/api/interviews/${i.id}/resume`, headers: { 'content-type': 'text/plain' }, payload: RESUME, okStatus: 200 },
  'PUT /api/interviews/:id/job-description': { target: 'rich', url: (i) => `/api/interviews/${i.id}/job-description`, headers: { 'content-type': 'text/plain' }, payload: 'Backend Engineer: Python services on PostgreSQL.', okStatus: 200 },
  'POST /api/interviews/:id/reschedule': { target: 'fresh', url: (i) => `/api/interviews/${i.id}/reschedule`, headers: json, payload: JSON.stringify({ timezone: 'America/Los_Angeles' }), okStatus: 200 },
  'POST /api/interviews/:id/call': { target: 'fresh', url: (i) => `/api/interviews/${i.id}/call`, okStatus: 202 },
  'POST /api/interviews/:id/cancel': { target: 'fresh', url: (i) => `/api/interviews/${i.id}/cancel`, headers: json, payload: JSON.stringify({ reason: 'isolation test' }), okStatus: 200 },
  'POST /api/interviews/:id/practice-link': { target: 'fresh', url: (i) => `/api/interviews/${i.id}/practice-link`, okStatus: 201 },
  'DELETE /api/candidates/:id': { target: 'fresh', url: (i) => `/api/candidates/${i.candidateId}`, okStatus: 200 },
};

/** The SSE stream never ends: over the real port, read the status and headers, then hang up. */
async function openLive(url: string, token: string): Promise<{ statusCode: number; body: string }> {
  const ctl = new AbortController();
  const res = await fetch(liveUrl + url, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal });
  let body = '';
  if (res.status === 200) {
    const reader = res.body!.getReader();
    body = new TextDecoder().decode((await reader.read()).value);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  } else body = await res.text();
  ctl.abort();
  return { statusCode: res.status, body };
}

async function request(r: RouteRequest, method: string, url: string, token: string) {
  if (url.includes('/live')) return openLive(url, token);
  const res = await t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...r.headers }, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
  return { statusCode: res.statusCode, body: res.rawPayload.toString('latin1') };
}

describe('tenant isolation', () => {
  it("every /api route naming a resource answers 404 to another organisation's valid request, and 2xx to the owner's same request", async () => {
    const routes = routesOf(t.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.path.startsWith('/api/') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      // `/api/organisation…` names no resource: it always acts on the caller's own organisation (tested below).
      .filter((r) => !r.path.startsWith('/api/organisation'));
    const withParams = routes.filter((r) => r.path.includes(':'));
    expect(withParams.map((r) => r.path)).toContain('/api/interviews/:id');
    expect(withParams.length).toBeGreaterThan(10);
    const problems: string[] = [];
    const checked: string[] = [];
    for (const r of withParams) {
      const key = `${r.method} ${r.path}`;
      const spec = REQUESTS[key];
      if (!spec) {
        problems.push(`${key}: no valid request in REQUESTS — add one, so its 404 is shown to come from the lookup`);
        continue;
      }
      const target = spec.target === 'rich' ? { id: rich.id, candidateId: '' } : await freshInterview(key);
      const url = spec.url(target);
      const eventsBefore = (await t.store.events.list(target.id, { limit: 1000 })).length;
      const b = await request(spec, r.method, url, tokenB);
      const eventsAfterB = (await t.store.events.list(target.id, { limit: 1000 })).length;
      const a = await request(spec, r.method, url, t.auth.authorization.replace('Bearer ', ''));
      checked.push(`${key}: B → ${b.statusCode}, A → ${a.statusCode}`);
      if (b.statusCode !== 404) problems.push(`${key}: B got ${b.statusCode} ${b.body.slice(0, 160)}`);
      else if (!/"error":"not_found"/.test(b.body)) problems.push(`${key}: B's 404 is not the documented not_found error: ${b.body.slice(0, 160)}`);
      if (b.body.includes('Alex Rivera') || b.body.includes('billing ledger')) problems.push(`${key}: B's answer shows organisation A's data`);
      if (eventsAfterB !== eventsBefore) problems.push(`${key}: B's request changed organisation A's event log (${eventsBefore} → ${eventsAfterB})`);
      if (a.statusCode !== spec.okStatus) problems.push(`${key}: A got ${a.statusCode} (wanted ${spec.okStatus}) ${a.body.slice(0, 160)}`);
      else if (spec.check) {
        try {
          spec.check(a.body);
        } catch (err) {
          problems.push(`${key}: A's answer: ${(err as Error).message.slice(0, 200)}`);
        }
      }
    }
    expect(problems, checked.join('\n')).toEqual([]);
    // Lists and creation name no resource: another organisation's list shows nothing of A's.
    for (const r of routes.filter((x) => !x.path.includes(':'))) {
      const mutating = r.method !== 'GET' && r.method !== 'DELETE';
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: r.path,
        headers: { authorization: `Bearer ${tokenB}`, ...(mutating ? json : {}) },
        ...(mutating ? { payload: '{}' } : {}),
      });
      if (res.statusCode < 300 && (res.body.includes(interviewA.id) || res.body.includes(interviewA.name) || res.body.includes(rich.id))) problems.push(`${r.method} ${r.path} shows organisation A's data`);
    }
    const listA = await t.app.inject({ method: 'GET', url: '/api/interviews', headers: t.auth });
    expect(listA.body).toContain(interviewA.id);
    expect(problems).toEqual([]);
    // Organisation A still has everything, and its own token still reaches it.
    const own = await t.app.inject({ method: 'GET', url: `/api/interviews/${interviewA.id}`, headers: t.auth });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: interviewA.id, candidate: { name: interviewA.name } });
  });

  it("the organisation API shows only the caller's own organisation and never a secret", async () => {
    const put = await t.app.inject({ method: 'PUT', url: '/api/organisation/ats/generic', headers: { authorization: `Bearer ${tokenB}` }, payload: { webhookSecret: 'org-b-generic-secret' } });
    expect(put.statusCode).toBe(200);
    expect(put.body).not.toContain('org-b-generic-secret');
    expect(put.json()).toMatchObject({ vendor: 'generic', webhookSecretSet: true, webhookUrl: expect.stringMatching(/\/webhooks\/ats\/generic\/org-b$/) });
    const b = await t.app.inject({ method: 'GET', url: '/api/organisation', headers: { authorization: `Bearer ${tokenB}` } });
    expect(b.json()).toMatchObject({ id: 'org-b', connections: [{ vendor: 'generic' }] });
    const a = await t.app.inject({ method: 'GET', url: '/api/organisation', headers: t.auth });
    expect(a.json().id).toBe('default');
    expect(a.json().connections.map((c: { vendor: string }) => c.vendor)).not.toContain('generic');
    // The stored secret is sealed, not plain.
    const stored = JSON.stringify((await t.app.ats.orgs.get('org-b'))?.settings);
    expect(stored).not.toContain('org-b-generic-secret');
    expect((await t.app.ats.orgs.connection('org-b', 'generic'))?.webhookSecret).toBe('org-b-generic-secret');
  });
});
