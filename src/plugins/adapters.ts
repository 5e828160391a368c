/**
 * `app.adapters`: port name → a sentence saying which adapter is live. Filled by the plugins that build the
 * adapters, so the startup banner can only ever describe what was actually constructed.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    adapters: Map<string, string>;
  }
}

export default fp(
  async function adaptersPlugin(app: FastifyInstance) {
    app.decorate('adapters', new Map<string, string>());
  },
  { name: 'adapters' },
);
