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
  /** 1-based. */
  attempt: number;
  /** Attempts this job may take in all (the last one is `attempt === attempts`). */
  attempts: number;
  /** This job's own signal: aborted when its timeout passes or the queue is closed with the job still running. */
  signal: AbortSignal;
  /** When this attempt became due (ms since the epoch), for the queue-wait metric; unknown → unset. */
  dueAt?: number;
}

/** Jobs per job name: due and not started, due later, running. */
export type JobCounts = Record<string, { waiting: number; delayed: number; active: number }>;

export interface ProcessOptions {
  concurrency?: number;
  /** Abort the job's signal (and fail the attempt) after this long. Default: no timeout. */
  timeoutMs?: number;
}

/** Thrown by a handler: the job fails now, with no further retries (bad input, unusable model output, refusal). */
export class UnrecoverableJobError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'UnrecoverableJobError';
  }
}

export type JobHandler<T = unknown> = (data: T, ctx: JobContext) => Promise<void>;

export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  describe(): string;
  enqueue<T>(name: string, data: T, opts?: EnqueueOptions): Promise<{ id: string }>;
  /** Starts consuming `name` jobs in this process. */
  process<T>(name: string, handler: JobHandler<T>, opts?: ProcessOptions): void;
  /** Queue depth by job name, for the metrics (the in-process queue counts its own; BullMQ asks Redis). */
  counts?(): Promise<JobCounts>;
  /** Stops taking jobs, waits for running ones up to `timeoutMs`, then aborts them. Idempotent: later calls return the first call's promise. */
  close(timeoutMs?: number): Promise<void>;
}

export function validateJobId(jobId: string): void {
  if (jobId.includes(':') || /^\d+$/.test(jobId)) {
    throw new Error(`job id "${jobId}" must not contain ':' or be all digits`);
  }
}
