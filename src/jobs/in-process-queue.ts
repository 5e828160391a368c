/** The in-process JobQueue: same contract as BullMQ (delay, retries, jobId dedupe), no Redis. Jobs die with the process. */
import { randomUUID } from 'node:crypto';
import type { EnqueueOptions, JobHandler, JobQueue, ProcessOptions } from './queue.js';
import { UnrecoverableJobError, validateJobId, type JobCounts } from './queue.js';
import { linkSignals, timedOut } from '../lib/abort.js';
import type { LogSink as Logger } from '../lib/logger.js';

interface PendingJob {
  id: string;
  name: string;
  data: unknown;
  attempt: number;
  attempts: number;
  backoffMs: number;
  timer?: NodeJS.Timeout;
  dueAt?: number;
}

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly handlers = new Map<string, { handler: JobHandler; concurrency: number; running: number; timeoutMs?: number }>();
  private readonly waiting: PendingJob[] = [];
  private readonly scheduled = new Set<PendingJob>();
  private readonly live = new Map<string, PendingJob>();
  private readonly active = new Map<PendingJob, Promise<void>>();
  private readonly abort = new AbortController();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly log?: Logger) {}

  describe(): string {
    return 'in-process (jobs run in this process and are lost on restart; set REDIS_URL for BullMQ)';
  }

  async enqueue<T>(name: string, data: T, opts: EnqueueOptions = {}): Promise<{ id: string }> {
    if (this.closed) throw new Error('queue is closed');
    if (opts.jobId) {
      validateJobId(opts.jobId);
      if (this.live.has(opts.jobId)) return { id: opts.jobId };
    }
    const job: PendingJob = {
      id: opts.jobId ?? randomUUID(),
      name,
      data: structuredClone(data),
      attempt: 0,
      attempts: Math.max(1, opts.attempts ?? 1),
      backoffMs: opts.backoffMs ?? 1000,
    };
    this.live.set(job.id, job);
    this.schedule(job, opts.delayMs ?? 0);
    return { id: job.id };
  }

  process<T>(name: string, handler: JobHandler<T>, opts: ProcessOptions = {}): void {
    if (this.handlers.has(name)) throw new Error(`a handler for "${name}" is already registered`);
    this.handlers.set(name, { handler: handler as JobHandler, concurrency: opts.concurrency ?? 4, running: 0, timeoutMs: opts.timeoutMs });
    this.pump();
  }

  async counts(): Promise<JobCounts> {
    const out: JobCounts = {};
    const of = (name: string) => (out[name] ??= { waiting: 0, delayed: 0, active: 0 });
    for (const name of this.handlers.keys()) of(name);
    for (const job of this.waiting) of(job.name).waiting++;
    for (const job of this.scheduled) of(job.name).delayed++;
    for (const job of this.active.keys()) of(job.name).active++;
    return out;
  }

  close(timeoutMs = 10_000): Promise<void> {
    this.closing ??= this.closeOnce(timeoutMs);
    return this.closing;
  }

  private async closeOnce(timeoutMs: number): Promise<void> {
    this.closed = true;
    for (const job of this.scheduled) clearTimeout(job.timer);
    this.scheduled.clear();
    const running = Promise.allSettled([...this.active.values()]);
    if (await timedOut(running, timeoutMs)) {
      this.abort.abort();
      await running;
    }
  }

  private schedule(job: PendingJob, delayMs: number): void {
    job.dueAt = Date.now() + Math.max(0, delayMs);
    if (delayMs <= 0) {
      this.waiting.push(job);
      queueMicrotask(() => this.pump());
      return;
    }
    job.timer = setTimeout(() => {
      this.scheduled.delete(job);
      this.waiting.push(job);
      this.pump();
    }, delayMs);
    job.timer.unref();
    this.scheduled.add(job);
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.waiting.length; ) {
      const job = this.waiting[i]!;
      const slot = this.handlers.get(job.name);
      if (!slot || slot.running >= slot.concurrency) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      slot.running++;
      const run = this.run(job, slot.handler, slot.timeoutMs).finally(() => {
        slot.running--;
        this.active.delete(job);
        this.pump();
      });
      this.active.set(job, run);
    }
  }

  private async run(job: PendingJob, handler: JobHandler, timeoutMs: number | undefined): Promise<void> {
    job.attempt++;
    // Each job has its own signal: its timeout, or the queue closing with the job still running.
    const own = new AbortController();
    const timer = timeoutMs ? setTimeout(() => own.abort(new Error(`job timed out after ${timeoutMs} ms`)), timeoutMs) : undefined;
    const linked = linkSignals(this.abort.signal, own.signal);
    try {
      await handler(job.data, { id: job.id, name: job.name, attempt: job.attempt, attempts: job.attempts, signal: linked.signal, dueAt: job.dueAt });
      this.live.delete(job.id);
    } catch (err) {
      const willRetry = job.attempt < job.attempts && !this.closed && !(err instanceof UnrecoverableJobError);
      this.log?.warn({ err, jobId: job.id, job: job.name, attempt: job.attempt, willRetry }, 'job failed');
      if (willRetry) this.schedule(job, 2 ** (job.attempt - 1) * job.backoffMs);
      else this.live.delete(job.id);
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  }
}
