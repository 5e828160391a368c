/**
 * Both cores: with WEB_CONCURRENCY > 1 the process that runs `screenline serve` becomes a Node cluster primary. It
 * serves nothing itself: it forks the web workers (each a full app that accepts connections on the shared port, so
 * a media stream stays in the worker that accepted it), restarts a worker that dies (with backoff, logged), relays
 * the cross-process bus when there is no Redis, and on SIGTERM forwards the drain to every worker and exits once
 * they all have (0 if they all drained cleanly).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { isBusEnvelope } from './process-bus.js';

export interface ServingPlan {
  /** Processes that will serve. */
  processes: number;
  requested: number;
  /** Why fewer processes serve than were asked for. */
  reason?: string;
  /** Consequences worth a banner line. */
  notes: string[];
}

/** How many web processes serve under this configuration, and why. */
export function servingPlan(config: Pick<Config, 'webConcurrency' | 'databaseUrl' | 'redisUrl'>): ServingPlan {
  const requested = config.webConcurrency;
  if (requested <= 1) return { processes: 1, requested, notes: [] };
  if (!config.databaseUrl) {
    return {
      processes: 1,
      requested,
      reason: `WEB_CONCURRENCY=${requested}, but the embedded PGlite database has one owner, so one process serves (set DATABASE_URL to serve from ${requested})`,
      notes: [],
    };
  }
  const notes = config.redisUrl
    ? ['live state crosses processes through Redis pub/sub; jobs run on BullMQ']
    : [
        'live state crosses processes through the primary (cluster IPC)',
        'jobs: each process runs its own in-process queue, lost on restart (set REDIS_URL for one BullMQ queue)',
      ];
  return { processes: requested, requested, notes };
}

export interface SupervisorOptions {
  workers: number;
  drainTimeoutMs: number;
  log: Logger;
  /** Restart delay: initialMs · 2^n up to maxMs; n resets once a worker has stayed up stableMs. */
  backoff?: { initialMs: number; maxMs: number; stableMs: number };
}

export interface Supervisor {
  /** Resolves with the exit code once every worker has exited after a stop. */
  stopped: Promise<number>;
  stop(forward: boolean): void;
  /** Live workers' pids (tests). */
  pids(): number[];
  restarts(): number;
}

interface Slot {
  id: number;
  worker?: Worker;
  startedAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
  exitCode?: number;
}

export function superviseWorkers(opts: SupervisorOptions): Supervisor {
  const backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000, stableMs: 30_000 };
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, i) => ({ id: i + 1, startedAt: 0, failures: 0 }));
  let stopping = false;
  let restarts = 0;
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolveStopped = r));

  const relay = (from: Worker, message: unknown) => {
    if (!isBusEnvelope(message)) return;
    for (const s of slots) if (s.worker && s.worker !== from && s.worker.isConnected()) s.worker.send(message);
  };

  const checkAllExited = () => {
    if (!stopping || slots.some((s) => s.worker)) return;
    resolveStopped(slots.every((s) => (s.exitCode ?? 0) === 0) ? 0 : 1);
  };

  const start = (slot: Slot) => {
    slot.timer = undefined;
    const worker = cluster.fork();
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.exitCode = undefined;
    worker.on('message', (m: unknown) => relay(worker, m));
    worker.on('error', (err) => opts.log.warn({ err, worker: slot.id }, 'web worker IPC error'));
    worker.once('exit', (code, signal) => {
      if (slot.worker === worker) slot.worker = undefined;
      slot.exitCode = code ?? 1;
      if (stopping) {
        opts.log.info({ worker: slot.id, pid: worker.process.pid, code, signal }, 'web worker exited');
        return checkAllExited();
      }
      if (Date.now() - slot.startedAt >= backoff.stableMs) slot.failures = 0;
      const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** slot.failures);
      slot.failures++;
      restarts++;
      opts.log.error({ worker: slot.id, pid: worker.process.pid, code, signal, restartInMs: delayMs }, 'web worker died: restarting it (its live calls are recovered as interrupted)');
      slot.timer = setTimeout(() => start(slot), delayMs);
    });
  };

  for (const slot of slots) start(slot);

  return {
    stopped,
    pids: () => slots.flatMap((s) => (s.worker?.process.pid ? [s.worker.process.pid] : [])),
    restarts: () => restarts,
    stop(forward) {
      if (stopping) return;
      stopping = true;
      for (const s of slots) {
        if (s.timer) clearTimeout(s.timer);
        s.timer = undefined;
        // SIGTERM from a platform reaches the primary only; Ctrl-C (SIGINT) reaches the whole group already.
        if (forward && s.worker) s.worker.process.kill('SIGTERM');
      }
      // Last resort, unref'd: a worker that does not finish draining is killed.
      setTimeout(() => {
        for (const s of slots) {
          if (!s.worker) continue;
          opts.log.error({ worker: s.id }, 'web worker did not drain in time: killing it');
          s.worker.process.kill('SIGKILL');
        }
      }, opts.drainTimeoutMs + 10_000).unref();
      checkAllExited();
    },
  };
}

/** The primary's whole life: banner, workers, signals. Resolves with the process exit code. */
export function runPrimary(config: Config, plan: ServingPlan, log: Logger): Promise<number> {
  process.stdout.write(
    [
      `screenline: ${plan.processes} web processes (WEB_CONCURRENCY=${plan.requested}); primary pid ${process.pid} supervises and restarts them; each holds its own calls`,
      ...plan.notes.map((n) => `  ${n}`),
    ].join('\n') + '\n',
  );
  const sup = superviseWorkers({ workers: plan.processes, drainTimeoutMs: config.drainTimeoutMs, log });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`${signal} again: killing the workers and exiting now\n`);
      for (const pid of sup.pids()) process.kill(pid, 'SIGKILL');
      process.exit(1);
    }
    log.info({ signal, workers: sup.pids().length }, 'draining the web workers');
    sup.stop(signal === 'SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return sup.stopped;
}
