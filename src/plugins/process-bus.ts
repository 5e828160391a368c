/**
 * `app.processBus`: the cross-process publish/subscribe port (src/cluster/process-bus.ts). Redis when REDIS_URL is
 * set, the cluster primary's IPC in a cluster worker without Redis, in-process otherwise.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { createProcessBus, type ProcessBus } from '../cluster/process-bus.js';

declare module 'fastify' {
  interface FastifyInstance {
    processBus: ProcessBus;
  }
}

export default fp(
  async function processBusPlugin(app: FastifyInstance, opts: { config: Config; bus?: ProcessBus }) {
    const bus = opts.bus ?? createProcessBus({ redisUrl: opts.config.redisUrl, onError: (err, topic) => app.log.warn({ err, topic }, 'process bus error') });
    app.decorate('processBus', bus);
    app.adapters.set('live bus', bus.describe());
    if (!opts.bus) app.addHook('onClose', async () => bus.close());
  },
  { name: 'process-bus', dependencies: ['adapters'] },
);
