import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const validBody = {
  candidate: { name: 'Ada Lovelace', phone: '+14155550100', email: 'ada@example.com' },
  role: { title: 'Backend Engineer', level: 'senior', description: 'Python, Postgres, distributed systems.' },
  hiringManagerEmail: 'hm@example.com',
  focus: 'system design',
};

describe('recruiter API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('GET /health is 200 and carries a request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('reuses a sane caller request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('GET /ready is 200 with the database check', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  });

  it('creates an interview (201) and reads it and its events back', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: validBody });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toMatchObject({
      status: 'scheduled',
      hiringManagerEmail: 'hm@example.com',
      candidate: { name: 'Ada Lovelace', phone: '+14155550100' },
      role: { title: 'Backend Engineer', level: 'senior' },
    });
    expect(created.headers.location).toBe(`/api/interviews/${body.id}`);

    const got = await t.app.inject({ method: 'GET', url: `/api/interviews/${body.id}`, headers: t.auth });
    expect(got.statusCode).toBe(200);
    expect(got.json().candidate.email).toBe('ada@example.com');

    const events = await t.app.inject({ method: 'GET', url: `/api/interviews/${body.id}/events`, headers: t.auth });
    expect(events.statusCode).toBe(200);
    // role.description is ingested as the job description (docs/grounding.md).
    expect(events.json().events).toMatchObject([{ seq: 1, type: 'interview.created' }, { seq: 2, type: 'grounding.ingested', payload: { source: 'role', format: 'inline' } }]);
  });

  it('rejects a missing token with 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/interviews', payload: validBody });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/Authorization/) });
  });

  it('rejects a wrong token with 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/interviews/x', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/invalid or revoked/);
  });

  it('accepts a token issued into the store', async () => {
    const issued = await t.store.apiTokens.issue('ci');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/interviews',
      headers: { authorization: `Bearer ${issued.token}` },
      payload: validBody,
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers malformed JSON with 400 and a reason', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/interviews',
      headers: { ...t.auth, 'content-type': 'application/json' },
      payload: '{"candidate": {',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/JSON/i);
    expect(res.body).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it.each([
    [{ ...validBody, candidate: { ...validBody.candidate, phone: '555-0100' } }, 'body.candidate.phone'],
    [{ ...validBody, candidate: { name: 'A' } }, 'body.candidate.phone'],
    [{ ...validBody, role: { title: 42 } }, 'body.role.title'],
    [{ ...validBody, hiringManagerEmail: 'not-an-email' }, 'body.hiringManagerEmail'],
    [{ role: validBody.role }, 'body.candidate'],
  ])('answers a bad field with 400 naming it (%#)', async (payload, field) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_request', field });
    expect(res.json().message).toContain(field);
  });

  it('answers an unknown interview id with 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/interviews/${id}`, headers: t.auth });
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toContain(id);
      const ev = await t.app.inject({ method: 'GET', url: `/api/interviews/${id}/events`, headers: t.auth });
      expect(ev.statusCode).toBe(404);
    }
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });

  it('keeps serving after bad input', async () => {
    await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: 'garbage' });
    const res = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: validBody });
    expect(res.statusCode).toBe(201);
  });

  it('pages events with afterSeq and limit', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/interviews', headers: t.auth, payload: validBody })).json();
    for (let i = 0; i < 4; i++) await t.store.events.append(created.id, 'test.tick', { i });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/interviews/${created.id}/events?afterSeq=2&limit=2`,
      headers: t.auth,
    });
    expect(res.json().events.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
    const bad = await t.app.inject({ method: 'GET', url: `/api/interviews/${created.id}/events?limit=0`, headers: t.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('querystring.limit');
  });
});

describe('readiness', () => {
  it('is 503 while draining and while the database is unreachable', async () => {
    const t = await startTestApp();
    try {
      t.app.draining = true;
      let res = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.process).toBe('draining');
      t.app.draining = false;
      t.app.readinessChecks.set('database', async () => {
        throw new Error('connection refused');
      });
      res = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.database).toMatch(/connection refused/);
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
