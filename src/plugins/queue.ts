/** Decorates `app.queue` (BullMQ with REDIS_URL, else in-process). */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { JobQueue } from '../jobs/queue.js';
import { createQueue } from '../jobs/create-queue.js';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    queue: JobQueue;
  }
}

export default fp(
  async function queuePlugin(app: FastifyInstance, opts: { config: Config; queue?: JobQueue }) {
    const owned = !opts.queue;
    const queue = opts.queue ?? (await createQueue(opts.config.redisUrl, app.log));
    app.decorate('queue', queue);
    app.adapters.set('queue', queue.describe());
    app.addHook('onClose', async () => {
      if (owned) await queue.close(opts.config.drainTimeoutMs);
    });
  },
  { name: 'queue', dependencies: ['adapters'] },
);
