/** Registers the ATS jobs (`ats.process`, `ats.writeback`) on a queue; the web process (in-process queue) and the worker both call it. */
import type { JobContext, JobQueue } from '../jobs/queue.js';
import { UnrecoverableJobError } from '../jobs/queue.js';
import { ATS_JOBS, processDeliveryJob, type AtsDeps } from './process.js';
import { writebackJob, type WritebackData } from './writeback.js';

export { ATS_JOBS };

export function registerAtsJobs(queue: JobQueue, deps: AtsDeps & { leaseMs?: number; jobTimeoutMs?: number }): string[] {
  const timeoutMs = deps.jobTimeoutMs ?? 120_000;
  const logged =
    <T>(name: string, run: (d: T, c: JobContext) => Promise<void>) =>
    async (data: T, ctx: JobContext) => {
      try {
        await run(data, ctx);
      } catch (err) {
        const last = err instanceof UnrecoverableJobError || ctx.attempt >= ctx.attempts;
        deps.log.warn({ err, job: name, jobId: ctx.id, attempt: ctx.attempt, attempts: ctx.attempts }, last ? 'ATS job gave up' : 'ATS job attempt failed');
        throw err;
      }
    };
  queue.process<{ deliveryId: string }>(ATS_JOBS.process, logged(ATS_JOBS.process, (d, c) => processDeliveryJob(deps, d, c)), { concurrency: 4, timeoutMs });
  queue.process<WritebackData>(ATS_JOBS.writeback, logged(ATS_JOBS.writeback, (d, c) => writebackJob(deps, d, c)), { concurrency: 2, timeoutMs });
  return Object.values(ATS_JOBS);
}

