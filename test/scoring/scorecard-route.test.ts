/** GET /api/interviews/:id/scorecard and /report.pdf through the real app (in-process queue, offline scorer). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { enqueueEndOfCall, repoOf } from '../../src/scoring/index.js';
import { ScorecardSchema } from '../../src/routes/api/scorecard.js';
import { seedInterview } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('scorecard API', () => {
  it('needs the bearer token, answers pending before scoring, then the scorecard and its PDF', async () => {
    const id = await seedInterview(t.store, { workspace: true });
    expect((await t.app.inject({ method: 'GET', url: `/api/interviews/${id}/scorecard` })).statusCode).toBe(401);
    const pending = await t.app.inject({ method: 'GET', url: `/api/interviews/${id}/scorecard`, headers: t.auth });
    expect(pending.json()).toMatchObject({ state: 'pending', scorecard: null, links: { pdf: null } });
    expect((await t.app.inject({ method: 'GET', url: `/api/interviews/${id}/report.pdf`, headers: t.auth })).statusCode).toBe(404);

    await enqueueEndOfCall(t.app.queue, { interviewId: id });
    const end = Date.now() + 30_000;
    while (!(await repoOf(t.store).outboxForInterview(id)).some((r) => r.status === 'sent')) {
      if (Date.now() > end) throw new Error('no email');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await t.app.inject({ method: 'GET', url: `/api/interviews/${id}/scorecard`, headers: t.auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.state).toBe('ready');
    expect(Value.Check(ScorecardSchema, body.scorecard)).toBe(true);
    expect(body.scorecard.scorer.kind).toBe('offline');
    expect(body.scorecard.dimensions.length).toBeGreaterThan(0);
    expect(body.scorecard.transcript.length).toBeGreaterThan(5);
    expect(body.links.pdf).toBe(`/api/interviews/${id}/report.pdf`);
    const pdf = await t.app.inject({ method: 'GET', url: body.links.pdf, headers: t.auth });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(t.app.adapters.get('email')).toMatch(/\.eml files/);
    expect(t.app.adapters.get('scorer')).toMatch(/offline scorer/);
  });

  it('404 for an unknown interview', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/interviews/00000000-0000-4000-8000-000000000000/scorecard', headers: t.auth });
    expect(res.statusCode).toBe(404);
  });
});
