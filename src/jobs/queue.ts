/**
 * Port: background jobs. BullMQ on Redis in production; an in-process queue with the same semantics (delays,
 * retries with backoff, at-least-once, idempotency by jobId) on a fresh machine.
 */
export interface EnqueueOptions {
  delayMs?: number;
  /** Deduplicates while an earlier job with this id still exists. No ':' and not all digits (BullMQ rule). */
  jobId?: string;
  attempts?: number;
  /** Exponential backoff base: attempt n waits 2^(n-1) * backoffMs. */
  backoffMs?: number;
}

export interface JobContext {
  id: string;
  name: string;
  attempt: number;
  signal: AbortSignal;
}

export type JobHandler<T = unknown> = (data: T, ctx: JobContext) => Promise<void>;

export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  describe(): string;
  enqueue<T>(name: string, data: T, opts?: EnqueueOptions): Promise<{ id: string }>;
  /** Starts consuming `name` jobs in this process. */
  process<T>(name: string, handler: JobHandler<T>, opts?: { concurrency?: number }): void;
  /** Stops taking jobs, waits for running ones up to `timeoutMs`, then aborts them. */
  close(timeoutMs?: number): Promise<void>;
}

export function validateJobId(jobId: string): void {
  if (jobId.includes(':') || /^\d+$/.test(jobId)) {
    throw new Error(`job id "${jobId}" must not contain ':' or be all digits`);
  }
}
