/**
 * The scoring pipeline on BullMQ with real Redis and PostgreSQL: a worker killed mid-job, Redis restarted
 * mid-interview, a poison job, and the same end of call enqueued twice. Each file uses its own BullMQ prefix; the
 * restart test runs its own redis-server (the machine's command, on a private port) so the shared one stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { openStore, type Store } from '../../src/store/index.js';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { registerJobHandlers } from '../../src/jobs/handlers.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { EmlOutbox } from '../../src/providers/local/eml-outbox.js';
import { ModelScorer } from '../../src/scoring/scorer.js';
import { OpenAiModel } from '../../src/providers/openai/index.js';
import { enqueueEndOfCall, enqueueStageScoring, repoOf } from '../../src/scoring/index.js';
import { startOpenAiSim, type OpenAiSim } from '../../src/sim/openai-sim.js';
import { simulatedScoringReply } from '../../src/sim/scoring-responder.js';
import { freePort } from '../../src/lib/free-port.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';
import { checkPostgres, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { seedInterview } from '../scoring/fixtures.js';

const run = promisify(execFile);
const hasRedis = await redisAvailable();
const pg = await checkPostgres();
const enabled = hasRedis && pg.ok;

let db: TestDatabase;
let store: Store;
let sim: OpenAiSim;
let dataDir: string;
const log = createLogger('silent');

beforeAll(async () => {
  if (!enabled) return;
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'sl-bullmq-scoring-'));
  store = await openStore({ databaseUrl: db.url, dataDir });
  sim = await startOpenAiSim({ responder: simulatedScoringReply });
}, 120_000);
afterAll(async () => {
  if (!enabled) return;
  await sim.close();
  await store.close();
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function inProcessWorker(redisUrl: string, prefix: string, outbox: string) {
  return BullMqQueue.connect(redisUrl, log, { prefix, lockDurationMs: 1500, stalledIntervalMs: 1000 }).then((queue) => {
    registerJobHandlers(queue, {
      store,
      log,
      config: loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      scorer: new ModelScorer(new OpenAiModel({ apiKey: 'sk', baseUrl: sim.baseUrl, maxRetries: 0 })),
      email: new EmlOutbox(outbox),
    });
    return queue;
  });
}

function childWorker(prefix: string, outbox: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/scoring-worker.ts', import.meta.url).pathname], {
    env: {
      ...process.env,
      SCORING_DB_URL: db.url,
      SCORING_DATA_DIR: dataDir,
      SCORING_REDIS_URL: TEST_REDIS_URL,
      SCORING_PREFIX: prefix,
      SCORING_OPENAI_URL: sim.baseUrl,
      SCORING_OUTBOX: outbox,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${err.slice(-2000)}`)));
  });
}

const emlCount = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).length;

describe.skipIf(!enabled)('scoring on BullMQ (real Redis and PostgreSQL)', () => {
  it('a worker killed mid-job (SIGKILL): the job runs again; exactly one score row and one email', async () => {
    const prefix = `sl-score-kill-${randomUUID().slice(0, 8)}`;
    const outbox = join(dataDir, `outbox-${prefix}`);
    const id = await seedInterview(store);
    const producer = await BullMqQueue.connect(TEST_REDIS_URL, log, { prefix });
    const first = await childWorker(prefix, outbox);
    // The model takes its time on the first request, so the worker is surely mid-job when it dies.
    const before = sim.requests.length;
    sim.faults.once({ firstChunkDelayMs: 5000 });
    await enqueueEndOfCall(producer, { interviewId: id });
    await until(async () => sim.requests.length > before, 20_000, 'the first model request');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const second = await childWorker(prefix, outbox);
    try {
      const repo = repoOf(store);
      await until(async () => (await repo.outboxForInterview(id)).find((r) => r.status === 'sent'), 60_000, 'the email');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await repo.countInterviewScores(id)).toBe(1);
      expect(await repo.countReports(id)).toBe(1);
      expect(await repo.outboxForInterview(id)).toHaveLength(1);
      expect(await emlCount(outbox)).toBe(1);
      expect(await store.events.list(id, { types: ['report.sent'] })).toHaveLength(1);
      expect(await store.events.list(id, { types: ['score.interview'] })).toHaveLength(1);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
      await producer.close(1000);
    }
  }, 120_000);

  it('the same end of call enqueued twice: one report, one email; a poison job ends in a recorded failure', async () => {
    const prefix = `sl-score-twice-${randomUUID().slice(0, 8)}`;
    const outbox = join(dataDir, `outbox-${prefix}`);
    const worker = await inProcessWorker(TEST_REDIS_URL, prefix, outbox);
    try {
      const id = await seedInterview(store);
      await Promise.all([enqueueEndOfCall(worker, { interviewId: id }), enqueueEndOfCall(worker, { interviewId: id })]);
      const repo = repoOf(store);
      await until(async () => (await repo.outboxForInterview(id)).find((r) => r.status === 'sent'), 30_000, 'the email');
      await enqueueEndOfCall(worker, { interviewId: id });
      await new Promise((r) => setTimeout(r, 1000));
      expect(await repo.countReports(id)).toBe(1);
      expect(await repo.outboxForInterview(id)).toHaveLength(1);
      expect(await emlCount(outbox)).toBe(1);

      // Poison: the model's output is never usable.
      const poisoned = await seedInterview(store);
      const n0 = sim.requests.length;
      sim.setResponder(() => ({ raw: '{"dimensions": [', finishReason: 'length' }));
      try {
        await enqueueEndOfCall(worker, { interviewId: poisoned });
        const failed = await until(async () => (await store.events.list(poisoned, { types: ['job.failed'] }))[0], 30_000, 'job.failed');
        expect(failed.payload).toMatchObject({ job: 'score-interview', unrecoverable: true });
        await new Promise((r) => setTimeout(r, 3000));
        expect(sim.requests.length - n0).toBe(3);
        expect(await store.events.list(poisoned, { types: ['job.failed'] })).toHaveLength(1);
      } finally {
        sim.setResponder(simulatedScoringReply);
      }
    } finally {
      await worker.close(2000);
    }
  }, 120_000);

  it('Redis restarted mid-interview: scoring catches up', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'sl-redis-'));
    const startRedis = () =>
      run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')]);
    const redisUp = async () => (await run('redis-cli', ['-p', String(port), 'ping']).catch(() => ({ stdout: '' }))).stdout.includes('PONG');
    await startRedis();
    await until(redisUp, 10_000, 'redis up');
    const url = `redis://127.0.0.1:${port}`;
    const prefix = `sl-score-restart-${randomUUID().slice(0, 8)}`;
    const outbox = join(dataDir, `outbox-${prefix}`);
    const worker = await inProcessWorker(url, prefix, outbox);
    try {
      const id = await seedInterview(store);
      await enqueueStageScoring(worker, { interviewId: id, stage: 'experience' });
      await until(async () => (await store.events.list(id, { types: ['score.answer'] }))[0], 20_000, 'first stage scored');
      // Redis goes away (its queue state with it) and comes back, while the interview runs on.
      await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
      await until(async () => !(await redisUp()), 10_000, 'redis down');
      await expect(enqueueStageScoring(worker, { interviewId: id, stage: 'technical' })).rejects.toThrow();
      await startRedis();
      await until(redisUp, 10_000, 'redis up again');
      await until(async () => {
        await enqueueEndOfCall(worker, { interviewId: id });
        return true;
      }, 20_000, 'enqueue after restart');
      const repo = repoOf(store);
      await until(async () => (await repo.outboxForInterview(id)).find((r) => r.status === 'sent'), 40_000, 'the email after the restart');
      const stages = (await store.events.list(id, { types: ['score.answer'] })).map((e) => e.payload.stage);
      expect(stages.sort()).toEqual(['experience', 'introduction', 'system_design', 'technical']);
      expect(await repo.countInterviewScores(id)).toBe(1);
    } finally {
      await worker.close(2000);
      await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
