/** The BullMQ JobQueue on Redis. Producers fail fast; workers block (BullMQ's own connection rules). */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { EnqueueOptions, JobHandler, JobQueue, ProcessOptions } from './queue.js';
import { UnrecoverableJobError, validateJobId, type JobCounts } from './queue.js';
import { linkSignals, timedOut } from '../lib/abort.js';
import type { LogSink as Logger } from '../lib/logger.js';

const PREFIX = 'screenline';

export interface BullMqOptions {
  /** Redis key prefix (default `screenline`); tests use their own so parallel runs never meet. */
  prefix?: string;
  /** A worker's lock on a job; a killed worker's job is taken again once it lapses (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (BullMQ default 30 s). */
  stalledIntervalMs?: number;
}

export class BullMqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly producer: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly abort = new AbortController();
  private readonly prefix: string;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly log?: Logger,
    private readonly opts: BullMqOptions = {},
  ) {
    this.prefix = opts.prefix ?? PREFIX;
    this.producer = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
    this.producer.on('error', (err) => this.log?.warn({ err }, 'redis (producer) error'));
  }

  /** Connects and checks Redis answers, so a wrong REDIS_URL fails at start with a clear message. */
  static async connect(redisUrl: string, log?: Logger, opts: BullMqOptions = {}): Promise<BullMqQueue> {
    const q = new BullMqQueue(redisUrl, log, opts);
    try {
      await q.ping();
    } catch (err) {
      await q.close(0);
      throw new Error(`cannot reach Redis at REDIS_URL: ${(err as Error).message}`, { cause: err });
    }
    return q;
  }

  describe(): string {
    const u = new URL(this.redisUrl);
    return `bullmq on redis at ${u.hostname}:${u.port || 6379}`;
  }

  async ping(): Promise<void> {
    await this.producer.ping();
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.producer, prefix: this.prefix });
      q.on('error', (err) => this.log?.warn({ err, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<T>(name: string, data: T, opts: EnqueueOptions = {}): Promise<{ id: string }> {
    if (opts.jobId) validateJobId(opts.jobId);
    const job = await this.queue(name).add(name, data, {
      delay: opts.delayMs,
      jobId: opts.jobId,
      attempts: opts.attempts ?? 1,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
      // Keep a little history for operators, but never payloads forever (erasure reaches queues too).
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return { id: job.id ?? opts.jobId ?? '' };
  }

  process<T>(name: string, handler: JobHandler<T>, opts: ProcessOptions = {}): void {
    const connection = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', (err) => this.log?.warn({ err }, 'redis (worker) error'));
    const worker = new Worker(
      name,
      async (job: Job) => {
        // Each job has its own signal: its timeout, or the queue closing with the job still running.
        const own = new AbortController();
        const timer = opts.timeoutMs ? setTimeout(() => own.abort(new Error(`job timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs) : undefined;
        const linked = linkSignals(this.abort.signal, own.signal);
        try {
          await handler(job.data as T, {
            id: job.id ?? '',
            name: job.name,
            attempt: job.attemptsMade + 1,
            attempts: job.opts.attempts ?? 1,
            signal: linked.signal,
            // First attempts only: a retry's own due time is not kept by BullMQ.
            ...(job.attemptsMade === 0 ? { dueAt: job.timestamp + (job.opts.delay ?? 0) } : {}),
          });
        } catch (err) {
          // BullMQ's own type is what stops its retries.
          if (err instanceof UnrecoverableJobError) throw new UnrecoverableError(err.message);
          throw err;
        } finally {
          clearTimeout(timer);
          linked.dispose();
        }
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: opts.concurrency ?? 4,
        ...(this.opts.lockDurationMs ? { lockDuration: this.opts.lockDurationMs } : {}),
        ...(this.opts.stalledIntervalMs ? { stalledInterval: this.opts.stalledIntervalMs } : {}),
      },
    );
    worker.on('failed', (job, err) =>
      this.log?.warn({ err, jobId: job?.id, job: name, attempt: job?.attemptsMade }, 'job failed'),
    );
    worker.on('error', (err) => this.log?.warn({ err, job: name }, 'worker error'));
    this.workers.push(worker);
  }

  /** Depth of every queue this process produces to or consumes from (one Redis round trip per queue). */
  async counts(): Promise<JobCounts> {
    const names = new Set([...this.queues.keys(), ...this.workers.map((w) => w.name)]);
    const out: JobCounts = {};
    await Promise.all(
      [...names].map(async (name) => {
        const c = await this.queue(name).getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        out[name] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), delayed: c.delayed ?? 0, active: c.active ?? 0 };
      }),
    );
    return out;
  }

  close(timeoutMs = 10_000): Promise<void> {
    this.closing ??= this.closeOnce(timeoutMs);
    return this.closing;
  }

  private async closeOnce(timeoutMs: number): Promise<void> {
    // worker.close() waits for active jobs with no timeout of its own: bound it, then abort what is left.
    const closing = Promise.allSettled(this.workers.map((w) => w.close()));
    if (await timedOut(closing, timeoutMs)) {
      this.abort.abort();
      await Promise.allSettled(this.workers.map((w) => w.close(true)));
    }
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.allSettled(this.workers.map((w) => w.disconnect()));
    this.producer.disconnect();
  }
}

