/**
 * Tenant isolation: a token of organisation B gets 404 for every resource of organisation A. The routes come from
 * the app itself (printRoutes), so a route added later is covered without touching this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let tokenB: string;
let interviewA: { id: string; candidateId: string; name: string };

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

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0' });
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
});

afterAll(async () => {
  await t?.close();
});

describe('tenant isolation', () => {
  it('every /api route with a resource id answers 404 to another organisation, and lists show nothing of it', async () => {
    const routes = routesOf(t.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.path.startsWith('/api/') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      // `/api/organisation…` names no resource: it always acts on the caller's own organisation (tested below).
      .filter((r) => !r.path.startsWith('/api/organisation'));
    expect(routes.length).toBeGreaterThan(5);
    const withParams = routes.filter((r) => r.path.includes(':'));
    expect(withParams.map((r) => r.path)).toContain('/api/interviews/:id');
    const problems: string[] = [];
    const checked: string[] = [];
    for (const r of routes) {
      const url = r.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (/candidate/i.test(name) ? interviewA.candidateId : interviewA.id)).replace(/\*$/, 'x');
      const mutating = r.method !== 'GET' && r.method !== 'DELETE';
      const res = await t.app.inject({
        method: r.method as 'GET',
        url,
        headers: { authorization: `Bearer ${tokenB}`, ...(mutating ? { 'content-type': 'application/json' } : {}) },
        ...(mutating ? { payload: '{}' } : {}),
      });
      checked.push(`${r.method} ${r.path} → ${res.statusCode}`);
      if (r.path.includes(':')) {
        if (res.statusCode === 404) continue;
        // A schema refusal of the empty body happens before any lookup: it reveals nothing and changes nothing.
        const b = res.statusCode === 400 ? res.json<{ error?: string; field?: string }>() : {};
        if (res.statusCode === 400 && b.error === 'bad_request' && /^(body|querystring)/.test(b.field ?? '')) continue;
        problems.push(`${r.method} ${r.path} → ${res.statusCode} ${res.body.slice(0, 120)}`);
      } else if (res.statusCode < 300 && (res.body.includes(interviewA.id) || res.body.includes(interviewA.name))) {
        problems.push(`${r.method} ${r.path} shows organisation A's data`);
      }
    }
    expect(problems, checked.join('\n')).toEqual([]);
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
