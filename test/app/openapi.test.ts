/**
 * The OpenAPI document at /docs/json: every /api route is in it with response schemas per status (a success one
 * and the shared error shape), Swagger UI at /docs loads its assets from our own origin, and the interview list
 * filters and pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('OpenAPI and the interview list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('documents every /api route with response schemas, and every error uses the one shape', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> }> }>> }>();
    const routes = t.app.apiRoutes.filter((r) => r.url.startsWith('/api/'));
    expect(routes.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const r of routes) {
      if (!r.hasResponseSchema) problems.push(`${r.method} ${r.url}: no success response schema`);
      const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      if (!op) {
        problems.push(`${r.method} ${r.url}: not in the OpenAPI document`);
        continue;
      }
      for (const status of ['400', '401', '404', '500']) {
        const content = op.responses[status]?.content ?? {};
        const schema = (content['application/json'] ?? Object.values(content)[0])?.schema;
        if (!schema?.required?.includes('error') || !schema.required.includes('requestId')) problems.push(`${r.method} ${r.url}: ${status} is not the shared error shape`);
      }
    }
    expect(problems).toEqual([]);
    // The candidate's and the carrier's edges are not part of the public API document.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/twilio') || p.startsWith('/w/'))).toEqual([]);
  });

  it('a real error matches the documented shape', async () => {
    const res = await t.app.inject({ url: '/api/interviews/00000000-0000-4000-8000-000000000000', headers: t.auth });
    expect(res.statusCode).toBe(404);
    expect(Object.keys(res.json()).sort()).toEqual(['error', 'message', 'requestId']);
    const bad = await t.app.inject({ url: '/api/interviews?limit=0', headers: t.auth });
    expect(bad.json()).toMatchObject({ error: 'bad_request', field: 'querystring.limit' });
  });

  it('serves Swagger UI at /docs from our own origin (no CDN)', async () => {
    const page = await t.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(2);
    for (const ref of refs) expect(ref).not.toMatch(/^(https?:)?\/\//);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https:|swagger\.io/);
    for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-ui.css']) {
      const res = await t.app.inject({ url: asset });
      expect(res.statusCode).toBe(200);
      expect(res.body.length).toBeGreaterThan(1000);
    }
  });

  it('lists interviews: filter by status, name and time; keyset pages with no overlap; next call and band', async () => {
    const made: string[] = [];
    for (const [i, name] of ['Ana Alpha', 'Ben Beta', 'Cy Gamma', 'Ana Delta', 'Eve Epsilon'].entries()) {
      const iv = await t.store.interviews.create({ candidate: { name, phone: `+1415555012${i}` }, role: { title: 'SRE' }, scheduledAt: new Date(Date.UTC(2030, 0, 1 + i, 15)) });
      made.push(iv.id);
    }
    await t.store.interviews.transition(made[1]!, 'completed');
    await t.store.events.append(made[1]!, 'decision.updated', { band: 'lean_yes', bandLabel: 'Lean yes', confidence: 0.5, weightedScore: 3, coverage: 0.5, dimensions: [], openGates: [], knockoutFailed: [], stagesScored: ['experience'], final: false });
    await t.store.events.append(made[1]!, 'decision.updated', { band: 'yes', bandLabel: 'Yes', confidence: 0.8, weightedScore: 3.5, coverage: 1, dimensions: [], openGates: [], knockoutFailed: [], stagesScored: ['experience'], final: true });
    const get = async (qs: string) => (await t.app.inject({ url: `/api/interviews?${qs}`, headers: t.auth })).json<{ interviews: { id: string; candidate: { name: string }; status: string; nextCallAt: string | null; decision: unknown }[]; nextCursor: string | null }>();

    const ana = await get('q=ana');
    expect(ana.interviews.map((i) => i.candidate.name).sort()).toEqual(['Ana Alpha', 'Ana Delta']);
    expect((await get('q=%25')).interviews).toEqual([]);
    const done = await get('status=completed');
    expect(done.interviews.map((i) => i.id)).toEqual([made[1]]);
    expect(done.interviews[0]!.decision).toEqual({ band: 'yes', bandLabel: 'Yes', final: true });
    expect(done.interviews[0]!.nextCallAt).toBeNull();
    const scheduled = (await get('status=scheduled')).interviews.find((i) => i.id === made[0]);
    expect(scheduled?.nextCallAt).toBe('2030-01-01T15:00:00.000Z');
    expect((await get(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).interviews).toEqual([]);
    expect((await t.app.inject({ url: '/api/interviews?status=bogus', headers: t.auth })).json().field).toBe('querystring.status');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.interviews.length).toBeLessThanOrEqual(2);
      seen.push(...page.interviews.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    expect((await t.app.inject({ url: '/api/interviews?cursor=garbage', headers: t.auth })).statusCode).toBe(400);
  });
});
