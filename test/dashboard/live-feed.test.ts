/**
 * The live stream behind the dashboard's live view (GET /api/interviews/:id/live, Server-Sent Events) on a real
 * socket: the stored log first, then appended events as they happen, once each, in seq order, tenant-scoped; and
 * across two app instances that share PostgreSQL and Redis (pub/sub): an event appended through one instance
 * reaches a viewer connected to the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { openSse } from '../helpers/sse-client.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';
import { checkPostgres, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { openStore, type Store } from '../../src/store/store.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';

type Ev = { event: string; data: unknown };
const seqOf = (e: Ev) => (e.data as { seq: number }).seq;
const isEvent = (type: string) => (e: Ev) => e.event === 'event' && (e.data as { type: string }).type === type;

describe('live stream (in-process bus)', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp();
  });
  afterAll(async () => t?.close());

  it('replays the stored log, then streams new events live, in order and once', async () => {
    const iv = await t.store.interviews.create({ candidate: { name: 'Live Lee', phone: '+14155550111' }, role: { title: 'SRE' } });
    await t.store.events.append(iv.id, 'interview.created', { source: 'api' });
    await t.store.events.append(iv.id, 'interview.stage', { from: 'greeting', to: 'consent', reason: 'plan', elapsedMs: 10 });
    const sse = openSse(`${t.url}/api/interviews/${iv.id}/live`, t.auth);
    expect(await sse.status).toBe(200);
    const ready = await sse.waitFor((e) => e.event === 'ready');
    expect(ready.data).toEqual({ seq: 2 });
    await t.store.events.append(iv.id, 'agent.speech', { replyId: 'r1', planned: 'Hello', heard: 'Hello', interrupted: false });
    await t.store.events.append(iv.id, 'transcript.turn', { text: 'Hi there', endReason: 'stt', bargedIn: false });
    await sse.waitFor(isEvent('transcript.turn'));
    const seqs = sse.events.filter((e) => e.event === 'event').map(seqOf);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(sse.events.find(isEvent('agent.speech'))?.data).toMatchObject({ interviewId: iv.id, payload: { heard: 'Hello' } });
    sse.close();
  });

  it('resumes after Last-Event-ID', async () => {
    const iv = await t.store.interviews.create({ candidate: { name: 'Resume Rae', phone: '+14155550112' }, role: { title: 'SRE' } });
    for (let i = 0; i < 3; i++) await t.store.events.append(iv.id, 'call.dtmf', { digit: String(i) });
    const sse = openSse(`${t.url}/api/interviews/${iv.id}/live`, { ...t.auth, 'last-event-id': '2' });
    await sse.waitFor((e) => e.event === 'ready');
    expect(sse.events.filter((e) => e.event === 'event').map(seqOf)).toEqual([3]);
    sse.close();
  });

  it("another tenant's interview is 404 with the shared error shape, and so is no token", async () => {
    const iv = await t.store.interviews.create({ tenantId: 'other-org', candidate: { name: 'Hidden Hu', phone: '+14155550113' }, role: { title: 'SRE' } });
    const res = await fetch(`${t.url}/api/interviews/${iv.id}/live`, { headers: t.auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found', requestId: expect.any(String) });
    expect((await fetch(`${t.url}/api/interviews/${iv.id}/live`)).status).toBe(401);
  });
});

const redisUp = await redisAvailable();
const pg = await checkPostgres();

describe.skipIf(!redisUp || !pg.ok)('live stream across two app instances sharing Redis', () => {
  let db: TestDatabase;
  let stores: Store[] = [];
  let a: ListeningApp;
  let b: ListeningApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    stores = [await openStore({ databaseUrl: db.url, dataDir: '/tmp' }), await openStore({ databaseUrl: db.url, dataDir: '/tmp' })];
    const env = { REDIS_URL: TEST_REDIS_URL };
    a = await startListeningApp(env, { store: stores[0], queue: new InProcessQueue() });
    b = await startListeningApp(env, { store: stores[1], queue: new InProcessQueue() });
    await Promise.all([a, b].map((x) => (x.app.processBus as { whenReady?: () => Promise<void> }).whenReady?.()));
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const s of stores) await s.close();
    await db?.drop();
  });

  it('an event appended on instance A reaches a viewer on instance B, and a viewer on A', async () => {
    expect(a.app.liveFeed.kind).toMatch(/Redis pub\/sub/);
    const iv = await a.store.interviews.create({ candidate: { name: 'Shared Sam', phone: '+14155550114' }, role: { title: 'SRE' } });
    const onB = openSse(`${b.url}/api/interviews/${iv.id}/live`, b.auth);
    const onA = openSse(`${a.url}/api/interviews/${iv.id}/live`, a.auth);
    await Promise.all([onA, onB].map((s) => s.waitFor((e) => e.event === 'ready')));
    const started = performance.now();
    await a.store.events.append(iv.id, 'transcript.turn', { text: 'from A', endReason: 'stt', bargedIn: false });
    const got = await onB.waitFor(isEvent('transcript.turn'));
    const ms = performance.now() - started;
    expect(got.data).toMatchObject({ seq: 1, payload: { text: 'from A' } });
    await onA.waitFor(isEvent('transcript.turn'));
    // And the other way round: written through B's store, seen on A (once, even though both share the database).
    await b.store.events.append(iv.id, 'agent.speech', { replyId: 'r1', planned: 'from B', heard: 'from B', interrupted: false });
    await onA.waitFor(isEvent('agent.speech'));
    expect(onA.events.filter((e) => e.event === 'event').map(seqOf)).toEqual([1, 2]);
    expect(ms).toBeLessThan(5000);
    onA.close();
    onB.close();
  });
});
