/**
 * A JobQueue wrapper (either kind) that times every attempt, measures how long a due job waited, counts failures,
 * and runs each handler with its correlation ids (jobId, job name, interviewId) on every log line it writes.
 */
import type { EnqueueOptions, JobCounts, JobHandler, JobQueue, ProcessOptions } from './queue.js';
import { withLogContext } from '../lib/log-context.js';

export interface JobObserver {
  attempt(job: string, outcome: 'ok' | 'failed', seconds: number): void;
  waited(job: string, seconds: number): void;
}

const interviewIdOf = (data: unknown): string | undefined => {
  const id = (data as { interviewId?: unknown } | null)?.interviewId;
  return typeof id === 'string' && id.length <= 100 ? id : undefined;
};

export function instrumentQueue(queue: JobQueue, observe: JobObserver): JobQueue {
  const wrapped: JobQueue = {
    get kind() {
      return queue.kind;
    },
    describe: () => queue.describe(),
    enqueue: <T>(name: string, data: T, opts?: EnqueueOptions) => queue.enqueue(name, data, opts),
    process<T>(name: string, handler: JobHandler<T>, opts?: ProcessOptions) {
      queue.process<T>(
        name,
        (data, ctx) => {
          const startedAt = Date.now();
          if (ctx.dueAt !== undefined) observe.waited(name, Math.max(0, startedAt - ctx.dueAt) / 1000);
          const interviewId = interviewIdOf(data);
          return withLogContext({ jobId: ctx.id, job: name, ...(interviewId ? { interviewId } : {}) }, () => handler(data, ctx)).then(
            () => observe.attempt(name, 'ok', (Date.now() - startedAt) / 1000),
            (err: unknown) => {
              observe.attempt(name, 'failed', (Date.now() - startedAt) / 1000);
              throw err;
            },
          );
        },
        opts,
      );
    },
    close: (timeoutMs?: number) => queue.close(timeoutMs),
  };
  if (queue.counts) wrapped.counts = (): Promise<JobCounts> => queue.counts!();
  return wrapped;
}
