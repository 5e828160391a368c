/** ATS webhooks end to end through the real app: signatures, dedup, replay windows, limits, the ats.process job, resume fetch, scheduling. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startAtsSim, type AtsSim } from '../../src/sim/ats-sims.js';
import { scheduledCalls } from '../../src/store/schema-scheduling.js';
import { atsDeliveries } from '../../src/store/schema-ats.js';
import { rowsOf } from '../../src/store/db.js';
import { ashbyStageChange, genericRequest, greenhouseStageChange, leverStageChange, RESUME_TEXT, SECRETS, type Delivery } from './fixtures.js';

let t: TestApp;
let sim: AtsSim;

beforeAll(async () => {
  sim = await startAtsSim();
  sim.files.set('ada-resume.txt', { bytes: Buffer.from(RESUME_TEXT), contentType: 'text/plain' });
  sim.files.set('ashby-handle-1', { bytes: Buffer.from(RESUME_TEXT.replace('Ada Lovelace', 'Grace Hopper')), contentType: 'text/plain' });
  sim.leverOpportunities.set('opp-1', {
    id: 'opp-1',
    name: 'Alan Turing',
    contact: 'contact-1',
    phones: [{ type: 'mobile', value: '+16175550111' }],
    emails: ['alan@example.com'],
    stage: { id: 'stage-ai', text: 'AI Phone Screen' },
    applications: [{ id: 'app-1', posting: 'posting-1' }],
    resumeFile: 'ada-resume.txt',
  });
  t = await startTestApp({
    GREENHOUSE_WEBHOOK_SECRET: SECRETS.greenhouse,
    LEVER_SIGNATURE_TOKEN: SECRETS.lever,
    LEVER_API_KEY: 'lever-key',
    LEVER_API_BASE_URL: sim.url,
    ASHBY_WEBHOOK_SECRET: SECRETS.ashby,
    ASHBY_API_KEY: 'ashby-key',
    ASHBY_API_BASE_URL: sim.url,
    SCREENLINE_WEBHOOK_SECRET: SECRETS.generic,
    ATS_WEBHOOK_MAX_BYTES: '4096',
    ATS_RESUME_MAX_BYTES: '65536',
    ATS_RESUME_TIMEOUT_MS: '1500',
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
  });
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

const send = (d: Delivery) => t.app.inject({ method: 'POST', url: d.url, payload: d.payload, headers: d.headers });

async function count(table: string): Promise<number> {
  return rowsOf<{ n: number }>(await t.store.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;
}

/** Waits for the ats.process job to finish the delivery; returns the delivery row. */
async function settled(deliveryId: string) {
  return vi.waitFor(
    async () => {
      const row = await t.app.ats.repo.delivery(deliveryId);
      if (!row || row.status === 'received') throw new Error('still processing');
      return row;
    },
    { timeout: 20_000, interval: 25 },
  );
}

async function eventTypes(interviewId: string): Promise<string[]> {
  return (await t.store.events.list(interviewId, { limit: 500 })).map((e) => e.type);
}

describe('Greenhouse', () => {
  it('a signed stage change into the trigger stage creates the interview, ingests the resume and schedules the call', async () => {
    const res = await send(greenhouseStageChange({ applicationId: 1001, resumeUrl: `${sim.url}/files/ada-resume.txt` }));
    expect(res.statusCode).toBe(202);
    const row = await settled(res.json<{ deliveryId: string }>().deliveryId);
    expect(row.status).toBe('processed');
    const view = await t.store.interviews.get(row.interviewId!);
    expect(view).toMatchObject({ tenantId: 'default', status: 'scheduled', candidate: { name: 'Ada Lovelace', phone: '+14155550142' }, role: { title: 'Backend Engineer' } });
    const types = await eventTypes(view!.id);
    expect(types).toEqual(expect.arrayContaining(['ats.received', 'grounding.ingested', 'ats.resume_fetched']));
    const passages = await t.app.grounding.search(view!.id, 'job queue latency', { source: 'resume' });
    expect(passages.map((p) => p.text).join(' ')).toMatch(/job queue/);
    const planned = await t.store.db.select().from(scheduledCalls).where(eq(scheduledCalls.interviewId, view!.id));
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ reason: 'ats', status: 'pending' });
  });

  it('erasing the candidate also erases the ATS delivery that carried their details', async () => {
    const res = await send(greenhouseStageChange({ applicationId: 1077, resumeUrl: `${sim.url}/files/ada-resume.txt`, eventId: 'gh-erase-1' }));
    expect(res.statusCode).toBe(202);
    const deliveryId = res.json<{ deliveryId: string }>().deliveryId;
    const row = await settled(deliveryId);
    const view = await t.store.interviews.get(row.interviewId!);
    expect(JSON.stringify(row.payload)).toContain('Ada Lovelace');
    const erased = await t.app.inject({ method: 'DELETE', url: `/api/candidates/${view!.candidate.id}`, headers: t.auth });
    expect(erased.statusCode, erased.body).toBe(200);
    const after = await t.app.ats.repo.delivery(deliveryId);
    expect(after!.payload).toEqual({ erased: true });
  });

  it('copies of one event arriving together (one batched insert) are accepted once; the others are duplicates', async () => {
    const before = await count('ats_deliveries');
    const d = greenhouseStageChange({ applicationId: 1077, eventId: 'gh-concurrent-1' });
    const other = greenhouseStageChange({ applicationId: 1078, eventId: 'gh-concurrent-2' });
    const answers = await Promise.all([send(d), send(d), send(other), send(d)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 202, 202]);
    expect(answers.filter((a) => a.json<{ status: string }>().status === 'duplicate')).toHaveLength(2);
    expect(await count('ats_deliveries')).toBe(before + 2);
    for (const a of answers.filter((x) => x.statusCode === 202)) await settled(a.json<{ deliveryId: string }>().deliveryId);
  });

  it('a delivery the database refuses fails alone: the others inserted with it in one batch are still recorded', async () => {
    const base = { vendor: 'generic', action: 'interview.requested', applicationId: 'app-batch', stageName: null, stageId: null, force: true, candidate: { externalId: null, name: 'Batch', phone: '+14155550100', email: null, timezone: null }, job: { id: null, title: 'Engineer', level: null, description: null }, resume: null, resumeFileHandle: null, hiringManagerEmail: null };
    const delivery = (eventId: string, name = 'Batch') => ({ ...base, eventId, candidate: { ...base.candidate, name } }) as unknown as Parameters<typeof t.app.ats.repo.recordDelivery>[1];
    // A NUL character cannot be stored in Postgres jsonb: that row's insert fails.
    const results = await Promise.allSettled([
      t.app.ats.repo.recordDelivery('default', delivery('batch-ok-1')),
      t.app.ats.repo.recordDelivery('default', delivery('batch-bad', 'Bad\u0000Name')),
      t.app.ats.repo.recordDelivery('default', delivery('batch-ok-2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<{ id: string } | null>).value?.id).toBeTruthy();
    const ids = rowsOf<{ event_id: string }>(await t.store.db.execute(sql`select event_id from ats_deliveries where event_id like 'batch-%' order by event_id`)).map((r) => r.event_id);
    expect(ids).toEqual(['batch-ok-1', 'batch-ok-2']);
  });

  it('the same event delivered twice, and another event for the same application, make one interview', async () => {
    const d = greenhouseStageChange({ applicationId: 1002, eventId: 'gh-evt-1002' });
    const first = await send(d);
    expect(first.statusCode).toBe(202);
    const again = await send(d);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate' });
    const row = await settled(first.json<{ deliveryId: string }>().deliveryId);
    const other = await send(greenhouseStageChange({ applicationId: 1002, eventId: 'gh-evt-1002-b' }));
    const row2 = await settled(other.json<{ deliveryId: string }>().deliveryId);
    expect(row2.interviewId).toBe(row.interviewId);
    const n = rowsOf<{ n: number }>(await t.store.db.execute(sql`select count(*)::int as n from ats_applications where application_id = '1002'`))[0]!.n;
    expect(n).toBe(1);
  });

  it('wrong or missing signatures are 401 and create nothing; a secret with its "sha256 " prefix kept on never matches', async () => {
    const before = { interviews: await count('interviews'), deliveries: await count('ats_deliveries') };
    const good = greenhouseStageChange({ applicationId: 1003 });
    const wrong = greenhouseStageChange({ applicationId: 1003, secret: 'not-the-secret' });
    expect((await send(wrong)).statusCode).toBe(401);
    const { signature: _s, ...unsigned } = good.headers;
    expect((await send({ ...good, headers: unsigned })).statusCode).toBe(401);
    // Body changed after signing (one byte).
    expect((await send({ ...good, payload: good.payload.replace('Ada', 'Adb') })).statusCode).toBe(401);
    expect((await send({ ...good, headers: { ...good.headers, signature: good.headers.signature!.replace('sha256 ', '') } })).statusCode).toBe(401);
    expect({ interviews: await count('interviews'), deliveries: await count('ats_deliveries') }).toEqual(before);
  });

  it('an oversized body is 413, a wrong content type 415, malformed JSON 400, an unknown action 200 — nothing created', async () => {
    const before = { interviews: await count('interviews'), deliveries: await count('ats_deliveries') };
    const big = greenhouseStageChange({ applicationId: 1004, resumeUrl: `${sim.url}/files/${'x'.repeat(5000)}` });
    expect((await send(big)).statusCode).toBe(413);
    const d = greenhouseStageChange({ applicationId: 1004 });
    expect((await send({ ...d, headers: { ...d.headers, 'content-type': 'text/plain' } })).statusCode).toBe(415);
    expect((await send({ ...d, headers: { ...d.headers, 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(415);
    const garbage = '{"action": "candidate_stage_change", ';
    const signed = { ...d, payload: garbage, headers: { ...d.headers, signature: `sha256 ${(await import('node:crypto')).createHmac('sha256', SECRETS.greenhouse).update(garbage).digest('hex')}` } };
    expect((await send(signed)).statusCode).toBe(400);
    const crypto = await import('node:crypto');
    const ping = JSON.stringify({ action: 'ping', payload: { web_hook_id: 1 } });
    const pingRes = await send({ url: d.url, payload: ping, headers: { 'content-type': 'application/json', signature: `sha256 ${crypto.createHmac('sha256', SECRETS.greenhouse).update(ping).digest('hex')}` } });
    expect(pingRes.statusCode).toBe(200);
    expect(pingRes.json()).toMatchObject({ status: 'ignored' });
    const noApp = JSON.stringify({ action: 'candidate_stage_change', payload: {} });
    expect((await send({ url: d.url, payload: noApp, headers: { 'content-type': 'application/json', signature: `sha256 ${crypto.createHmac('sha256', SECRETS.greenhouse).update(noApp).digest('hex')}` } })).statusCode).toBe(400);
    // A NUL character (PostgreSQL cannot store it): a clear 400, not a 500 the vendor would retry for ever.
    const nul = greenhouseStageChange({ applicationId: 1006 }).payload.replace('"Ada', '"A\\u0000da');
    expect(nul).toContain('\\u0000');
    const nulRes = await send({ url: d.url, payload: nul, headers: { 'content-type': 'application/json', signature: `sha256 ${crypto.createHmac('sha256', SECRETS.greenhouse).update(nul).digest('hex')}` } });
    expect(nulRes.statusCode).toBe(400);
    expect(nulRes.json().message).toMatch(/NUL character/);
    expect({ interviews: await count('interviews'), deliveries: await count('ats_deliveries') }).toEqual(before);
  });

  it('a stage other than the trigger is ignored with a reason; an oversized or slow attachment is cut off and the call still scheduled', async () => {
    const other = await send(greenhouseStageChange({ applicationId: 1005, stage: 'Onsite' }));
    const row = await settled(other.json<{ deliveryId: string }>().deliveryId);
    expect(row).toMatchObject({ status: 'ignored', interviewId: null });
    expect(row.detail).toMatch(/not the trigger stage/);

    const huge = await send(greenhouseStageChange({ applicationId: 1006, resumeUrl: `${sim.url}/files/endless` }));
    const r1 = await settled(huge.json<{ deliveryId: string }>().deliveryId);
    const e1 = await t.store.events.list(r1.interviewId!, { types: ['ats.resume_failed'] });
    expect(e1[0]?.payload.reason).toMatch(/65536-byte cap/);
    const slow = await send(greenhouseStageChange({ applicationId: 1007, resumeUrl: `${sim.url}/files/slow` }));
    const r2 = await settled(slow.json<{ deliveryId: string }>().deliveryId);
    expect(r2.status).toBe('processed');
    expect((await t.store.events.list(r2.interviewId!, { types: ['ats.resume_failed'] }))).toHaveLength(1);
    expect(await t.store.db.select().from(scheduledCalls).where(eq(scheduledCalls.interviewId, r2.interviewId!))).toHaveLength(1);
  });
});

describe('Lever', () => {
  it('a signed stage change reads the opportunity and resume through the API and schedules the call', async () => {
    const res = await send(leverStageChange({ opportunityId: 'opp-1' }));
    expect(res.statusCode).toBe(202);
    const row = await settled(res.json<{ deliveryId: string }>().deliveryId);
    expect(row.status).toBe('processed');
    const view = await t.store.interviews.get(row.interviewId!);
    expect(view?.candidate).toMatchObject({ name: 'Alan Turing', phone: '+16175550111' });
    expect(await eventTypes(view!.id)).toEqual(expect.arrayContaining(['ats.received', 'ats.resume_fetched']));
    const download = sim.to('/v1/opportunities/opp-1/resumes/res-1/download');
    expect(download[0]?.headers.authorization).toBe('Basic ' + Buffer.from('lever-key:').toString('base64'));
  });

  it('refuses a stale triggeredAt (replay window), a wrong signature and a replayed token', async () => {
    const before = await count('ats_deliveries');
    expect((await send(leverStageChange({ opportunityId: 'opp-1', triggeredAt: Date.now() - 3_600_000 }))).statusCode).toBe(401);
    expect((await send(leverStageChange({ opportunityId: 'opp-1', secret: 'wrong' }))).statusCode).toBe(401);
    expect(await count('ats_deliveries')).toBe(before);
    const d = leverStageChange({ opportunityId: 'opp-2', token: 'tok-replayed' });
    sim.leverOpportunities.set('opp-2', { id: 'opp-2', name: 'Edsger Dijkstra', phones: [{ value: '+31205550100' }], emails: [], stage: { id: 's', text: 'Offer' }, applications: [] });
    expect((await send(d)).statusCode).toBe(202);
    expect((await send(d)).json()).toEqual({ status: 'duplicate' });
    expect(await count('ats_deliveries')).toBe(before + 1);
  });
});

describe('Ashby', () => {
  it('a signed candidateStageChange fetches the resume through file.info and schedules; applicationUpdate with the same webhookActionId is a duplicate', async () => {
    const d = ashbyStageChange({ applicationId: 'ash-1', webhookActionId: 'wa-1', fileHandle: 'ashby-handle-1' });
    const res = await send(d);
    expect(res.statusCode).toBe(202);
    const related = ashbyStageChange({ applicationId: 'ash-1', webhookActionId: 'wa-1', action: 'applicationUpdate' });
    expect((await send(related)).json()).toEqual({ status: 'duplicate' });
    const row = await settled(res.json<{ deliveryId: string }>().deliveryId);
    const view = await t.store.interviews.get(row.interviewId!);
    expect(view?.candidate).toMatchObject({ name: 'Grace Hopper', phone: '+442071838750' });
    expect(await eventTypes(view!.id)).toEqual(expect.arrayContaining(['ats.resume_fetched', 'grounding.ingested']));
    expect(sim.to('/file.info')).toHaveLength(1);
  });

  it('wrong signature → 401, nothing created', async () => {
    const before = await count('ats_deliveries');
    const d = ashbyStageChange({ applicationId: 'ash-2', secret: 'wrong' });
    expect((await send(d)).statusCode).toBe(401);
    expect(await count('ats_deliveries')).toBe(before);
  });
});

describe('generic (ours)', () => {
  it('a signed interview.requested creates and schedules the interview in the candidate time zone', async () => {
    const res = await send(genericRequest({ applicationId: 'gen-1', resumeUrl: `${sim.url}/files/ada-resume.txt`, callbackUrl: `${sim.url}/callback` }));
    expect(res.statusCode).toBe(202);
    const row = await settled(res.json<{ deliveryId: string }>().deliveryId);
    const view = await t.store.interviews.get(row.interviewId!);
    expect(view?.candidate).toMatchObject({ timezone: 'America/Chicago', phone: '+13125550199' });
    const [planned] = await t.store.db.select().from(scheduledCalls).where(eq(scheduledCalls.interviewId, view!.id));
    expect(planned?.timezone).toBe('America/Chicago');
  });

  it('a stale timestamp, a missing signature and an unknown organisation are refused', async () => {
    const before = await count('ats_deliveries');
    expect((await send(genericRequest({ applicationId: 'gen-2', timestampSec: Math.floor(Date.now() / 1000) - 3600 }))).statusCode).toBe(401);
    const d = genericRequest({ applicationId: 'gen-2' });
    const { 'x-screenline-signature': _x, ...noSig } = d.headers;
    expect((await send({ ...d, headers: noSig })).statusCode).toBe(401);
    expect((await send(genericRequest({ applicationId: 'gen-2', org: 'no-such-org' }))).statusCode).toBe(404);
    expect(await count('ats_deliveries')).toBe(before);
  });

  it('fails closed: an organisation with no secret configured refuses every delivery', async () => {
    await t.app.ats.orgs.create({ id: 'nosecret', name: 'No secret Ltd' });
    const res = await send(genericRequest({ applicationId: 'gen-3', org: 'nosecret' }));
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/no webhook secret/);
    expect(await t.store.db.select().from(atsDeliveries).where(eq(atsDeliveries.tenantId, 'nosecret'))).toHaveLength(0);
  });
});
