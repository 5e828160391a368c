/**
 * A restart loses no scheduled call: with the in-process queue (the due-time row on an on-disk PGlite, polled by
 * the next process) and with BullMQ on real Redis (the delayed job outlives the producer and is run by another
 * worker). Both dial through the real twilio client against the local REST recorder.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import { openStore, type Store } from '../../src/store/store.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { createLogger } from '../../src/lib/logger.js';
import { scheduleCall, type SchedulingDeps } from '../../src/scheduling/scheduler.js';
import { pollDue, registerDialJob } from '../../src/scheduling/dial-job.js';
import { twilioRestFromConfig } from '../../src/scheduling/sms-sender.js';
import { OutboxSms } from '../../src/workspace/sms.js';
import { startTwilioRecorder, type TwilioRecorder } from '../helpers/twilio-recorder.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';
import { testPgliteImage } from '../helpers/pglite-image.js';

const log = createLogger('silent');

describe('a restart loses no scheduled call', () => {
  let rec: TwilioRecorder;
  let dataDir: string;
  let config: Config;
  const useRedis = redisAvailable();
  beforeAll(async () => {
    rec = await startTwilioRecorder();
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-restart-'));
    config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PUBLIC_URL: 'https://screen.example.com',
      TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32),
      TWILIO_AUTH_TOKEN: 'restart-token',
      TWILIO_FROM_NUMBER: '+14155550999',
      TWILIO_API_BASE_URL: rec.baseUrl,
      CALL_HEADS_UP_LEAD_MS: '0',
    });
  });
  afterAll(async () => {
    await rec?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const dialsTo = (phone: string) => rec.requests.filter((r) => r.path.endsWith('/Calls.json') && r.params.get('To') === phone);

  it('in-process queue + PGlite: the next process dials what the first one planned', async () => {
    const clock = { now: new Date('2026-03-04T03:40:00Z') }; // 21:40 in Chicago
    const phone = '+13125550301';
    // Process 1: plans the call and dies (queue and store closed) before it is due.
    let store: Store = await openStore({ dataDir, log });
    let queue = new InProcessQueue(log);
    const deps1: SchedulingDeps = { store, queue, log, config, now: () => clock.now, sms: new OutboxSms(dataDir) };
    registerDialJob({ ...deps1, rest: twilioRestFromConfig(config) });
    const interview = await store.interviews.create({ candidate: { name: 'Ada Lovelace', phone }, role: { title: 'Engineer' } });
    const planned = await scheduleCall(deps1, { interviewId: interview.id, tenantId: 'default', reason: 'created' });
    expect(planned.at.toISOString()).toBe('2026-03-04T15:00:00.000Z');
    await queue.close();
    await store.close();

    // Process 2: a fresh store on the same files, a fresh queue; the first poll after the due time dials once.
    clock.now = new Date('2026-03-04T15:00:30Z');
    store = await openStore({ dataDir, log });
    queue = new InProcessQueue(log);
    const deps2: SchedulingDeps = { store, queue, log, config, now: () => clock.now };
    registerDialJob({ ...deps2, rest: twilioRestFromConfig(config) });
    try {
      expect(await pollDue(deps2)).toBe(1);
      await vi.waitFor(async () => expect((await store.interviews.get(interview.id))!.status).toBe('calling'), { timeout: 15_000 });
      expect(dialsTo(phone)).toHaveLength(1);
      const dialing = await store.events.list(interview.id, { types: ['schedule.dialing'] });
      expect(dialing).toHaveLength(1);
      expect(dialing[0]!.payload).toMatchObject({ attempt: 1, lateMs: 30_000 });
      expect(await pollDue(deps2)).toBe(0);
    } finally {
      await queue.close();
      await store.close();
    }
  }, 180_000);

  it('BullMQ on real Redis: the delayed job outlives its producer and a new worker dials it', async (ctx) => {
    if (!(await useRedis)) ctx.skip();
    const prefix = `sl-restart-${randomBytes(4).toString('hex')}`;
    const phone = '+13125550302';
    const store = await openStore({ dataDir: await mkdtemp(join(tmpdir(), 'screenline-restart-bq-')), inMemory: true, log, pgliteImage: await testPgliteImage() });
    // Real time here: BullMQ's delay is Redis's own clock. Plan the call 1.5 s ahead inside a window open all day.
    const open = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, PUBLIC_URL: 'https://screen.example.com', TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32), TWILIO_AUTH_TOKEN: 'restart-token', TWILIO_FROM_NUMBER: '+14155550999', TWILIO_API_BASE_URL: rec.baseUrl, CALL_HEADS_UP_LEAD_MS: '0', CALL_WINDOW: '08:00-21:00', CALL_DAYS: 'mon-sun' });
    const interview = await store.interviews.create({ candidate: { name: 'Ada Lovelace', phone, timezone: 'UTC' }, role: { title: 'Engineer' } });
    // The decision's clock reads noon UTC (inside the window) but runs in real time, so Redis's delay is real: 1.5 s.
    const noon = new Date();
    noon.setUTCHours(12, 0, 0, 0);
    const shift = noon.getTime() - Date.now();
    const now = () => new Date(Date.now() + shift);
    const producer = await BullMqQueue.connect(TEST_REDIS_URL, log, { prefix });
    const planned = await scheduleCall({ store, queue: producer, log, config: open, now, sms: new OutboxSms(dataDir) }, { interviewId: interview.id, tenantId: 'default', reason: 'manual', notBefore: new Date(now().getTime() + 1500) });
    expect(planned.jobId).toMatch(/^dial-/);
    await producer.close();

    const worker = await BullMqQueue.connect(TEST_REDIS_URL, log, { prefix });
    try {
      registerDialJob({ store, queue: worker, log, config: open, now, rest: twilioRestFromConfig(open) });
      await vi.waitFor(async () => expect((await store.interviews.get(interview.id))!.status).toBe('calling'), { timeout: 20_000, interval: 200 });
      expect(dialsTo(phone)).toHaveLength(1);
    } finally {
      await worker.close();
      await store.close();
    }
  }, 120_000);
});
