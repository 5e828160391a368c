/** Queue features the scoring jobs rely on, on both adapters: unrecoverable errors, per-job signals, idempotent close. */
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { UnrecoverableJobError, type JobQueue } from '../../src/jobs/queue.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';

const hasRedis = await redisAvailable();

function contract(label: string, make: () => Promise<JobQueue>, enabled = true) {
  describe.skipIf(!enabled)(`queue features: ${label}`, () => {
    let queue: JobQueue | undefined;
    afterEach(async () => {
      await queue?.close(2000);
      queue = undefined;
    });

    it('an UnrecoverableJobError stops retries at once', async () => {
      queue = await make();
      const name = `f-${randomUUID().slice(0, 8)}`;
      const attempts: number[] = [];
      queue.process(name, async (_d, ctx) => {
        attempts.push(ctx.attempt);
        expect(ctx.attempts).toBe(5);
        throw new UnrecoverableJobError('bad input');
      });
      await queue.enqueue(name, {}, { attempts: 5, backoffMs: 10 });
      await new Promise((r) => setTimeout(r, 1500));
      expect(attempts).toEqual([1]);
    });

    it('gives each job its own signal, aborted by its timeout', async () => {
      queue = await make();
      const name = `f-${randomUUID().slice(0, 8)}`;
      const seen: { id: string; aborted: boolean }[] = [];
      queue.process(
        name,
        async (data: { slow: boolean }, ctx) => {
          if (data.slow) await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
          seen.push({ id: ctx.id, aborted: ctx.signal.aborted });
        },
        { timeoutMs: 300, concurrency: 2 },
      );
      await queue.enqueue(name, { slow: true }, { jobId: `slow-${randomUUID()}` });
      await queue.enqueue(name, { slow: false }, { jobId: `fast-${randomUUID()}` });
      await new Promise((r) => setTimeout(r, 1200));
      expect(seen.find((s) => s.id.startsWith('fast'))!.aborted).toBe(false);
      expect(seen.find((s) => s.id.startsWith('slow'))!.aborted).toBe(true);
    });

    it('close() is idempotent and bounded', async () => {
      queue = await make();
      const name = `f-${randomUUID().slice(0, 8)}`;
      let started = false;
      queue.process(name, async (_d, ctx) => {
        started = true;
        await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      });
      await queue.enqueue(name, {});
      for (let i = 0; i < 50 && !started; i++) await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      const a = queue.close(300);
      const b = queue.close(300);
      expect(a).toBe(b);
      await a;
      expect(Date.now() - t0).toBeLessThan(3000);
      queue = undefined;
    });
  });
}

contract('in-process', async () => new InProcessQueue());
contract('bullmq', async () => BullMqQueue.connect(TEST_REDIS_URL, undefined, { prefix: `sl-qf-${randomUUID().slice(0, 8)}` }), hasRedis);
