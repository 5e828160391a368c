/**
 * Decorates `app.queue` (BullMQ with REDIS_URL, else in-process). In in-process mode the job handlers (scoring,
 * reports, email) run here, inside the web process; with BullMQ they run in `screenline worker`.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { JobQueue } from '../jobs/queue.js';
import { createQueue } from '../jobs/create-queue.js';
import { instrumentQueue } from '../jobs/instrumented-queue.js';
import { jobObserver } from './metrics.js';
import { describeJobAdapters, registerJobHandlers, type JobDeps } from '../jobs/handlers.js';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { rubrics } from '../scoring/rubric.js';

declare module 'fastify' {
  interface FastifyInstance {
    queue: JobQueue;
  }
}

export interface QueuePluginOptions {
  config: Config;
  queue?: JobQueue;
  /** Scorer / email / rubric overrides for the job handlers (tests, the demo). */
  jobs?: Pick<JobDeps, 'scorer' | 'email' | 'rubrics' | 'leaseMs'>;
  /** Run the job handlers in this process even with an injected queue (default: only for the in-process queue). */
  runJobs?: boolean;
}

export default fp(
  async function queuePlugin(app: FastifyInstance, opts: QueuePluginOptions) {
    // Rubrics are checked now, so a broken file stops the start with its name and field (not the first scoring).
    const registry = opts.jobs?.rubrics ?? rubrics();
    app.adapters.set('rubrics', `${registry.all().length} rubrics from rubrics/ (${[...new Set(registry.all().map((r) => r.family))].join(', ')})`);
    const owned = !opts.queue;
    const raw = opts.queue ?? (await createQueue(opts.config.redisUrl, app.log));
    // Every handler registered on app.queue is timed and logs with its job's ids; depth is read at scrape time.
    const queue = app.hasDecorator('metrics') ? instrumentQueue(raw, jobObserver(app.metrics)) : raw;
    if (app.hasDecorator('metrics') && queue.counts) app.metrics.queueCounts = () => queue.counts!();
    app.decorate('queue', queue);
    app.adapters.set('queue', queue.describe());
    const deps: JobDeps = { store: app.store, log: app.log as unknown as Logger, config: opts.config, ...opts.jobs };
    const adapters = describeJobAdapters(deps);
    const here = opts.runJobs ?? queue.kind === 'in-process';
    app.adapters.set('scorer', here ? adapters.scorer : `${adapters.scorer}, in screenline worker`);
    app.adapters.set('email', here ? adapters.email : `${adapters.email}, sent by screenline worker`);
    if (here) registerJobHandlers(queue, deps);
    app.addHook('onClose', async () => {
      if (owned) await raw.close(opts.config.drainTimeoutMs);
    });
  },
  { name: 'queue', dependencies: ['adapters', 'store'] },
);
