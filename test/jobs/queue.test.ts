import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';

const hasRedis = await redisAvailable();

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The same contract, run against both adapters. */
function queueContract(label: string, make: () => Promise<JobQueue>, enabled = true) {
  describe.skipIf(!enabled)(`JobQueue contract: ${label}`, () => {
    let queue: JobQueue | undefined;
    afterEach(async () => {
      await queue?.close(2000);
      queue = undefined;
    });

    it('runs an enqueued job with its data', async () => {
      queue = await make();
      const name = `t-${randomUUID().slice(0, 8)}`;
      const got = deferred<unknown>();
      queue.process(name, async (data) => got.resolve(data));
      await queue.enqueue(name, { interviewId: 'abc', n: 1 });
      expect(await got.promise).toEqual({ interviewId: 'abc', n: 1 });
    });

    it('delays a job by delayMs', async () => {
      queue = await make();
      const name = `t-${randomUUID().slice(0, 8)}`;
      const ran = deferred<number>();
      queue.process(name, async () => ran.resolve(Date.now()));
      const t0 = Date.now();
      await queue.enqueue(name, {}, { delayMs: 300 });
      expect((await ran.promise) - t0).toBeGreaterThanOrEqual(250);
    });

    it('retries a failing job up to attempts', async () => {
      queue = await make();
      const name = `t-${randomUUID().slice(0, 8)}`;
      const attempts: number[] = [];
      const done = deferred();
      queue.process(name, async (_d, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('transient');
        done.resolve();
      });
      await queue.enqueue(name, {}, { attempts: 3, backoffMs: 10 });
      await done.promise;
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('deduplicates by jobId while the job exists', async () => {
      queue = await make();
      const name = `t-${randomUUID().slice(0, 8)}`;
      let runs = 0;
      const jobId = `dedupe-${randomUUID()}`;
      await queue.enqueue(name, {}, { jobId, delayMs: 200 });
      await queue.enqueue(name, {}, { jobId, delayMs: 200 });
      const done = deferred();
      queue.process(name, async () => {
        runs++;
        done.resolve();
      });
      await done.promise;
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toBe(1);
    });

    it('rejects job ids BullMQ cannot take', async () => {
      queue = await make();
      await expect(queue.enqueue('x', {}, { jobId: 'a:b' })).rejects.toThrow(/must not contain/);
      await expect(queue.enqueue('x', {}, { jobId: '123' })).rejects.toThrow(/all digits/);
    });
  });
}

queueContract('in-process', async () => new InProcessQueue());
queueContract('bullmq on real Redis', async () => BullMqQueue.connect(TEST_REDIS_URL), hasRedis);

describe('in-process queue close', () => {
  it('waits for running jobs, then aborts them after the timeout', async () => {
    const queue = new InProcessQueue();
    let aborted = false;
    queue.process('slow', async (_d, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = true), resolve())));
    });
    await queue.enqueue('slow', {});
    await new Promise((r) => setTimeout(r, 20));
    await queue.close(100);
    expect(aborted).toBe(true);
    await expect(queue.enqueue('slow', {})).rejects.toThrow(/closed/);
  });
});

describe('bullmq connect', () => {
  it('fails with a clear message when Redis is unreachable', async () => {
    await expect(BullMqQueue.connect('redis://127.0.0.1:1')).rejects.toThrow(/cannot reach Redis at REDIS_URL/);
  });
});
