/**
 * Liveness, readiness and draining. `/health` answers while the process runs; `/ready` is 503 while the
 * database is unreachable or the process is draining, so load balancers stop sending new work.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { timedOut } from '../lib/abort.js';

declare module 'fastify' {
  interface FastifyInstance {
    draining: boolean;
    /** Checks `/ready` runs besides the database; each throws when not ready. */
    readinessChecks: Map<string, () => Promise<void>>;
  }
}

const READY_CHECK_TIMEOUT_MS = 2000;

export default fp(
  async function lifecyclePlugin(app: FastifyInstance) {
    app.decorate('draining', false);
    app.decorate('readinessChecks', new Map<string, () => Promise<void>>());
    app.readinessChecks.set('database', () => app.store.ping());

    app.get('/health', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

    app.get('/ready', { logLevel: 'warn' }, async (_request, reply) => {
      const checks: Record<string, string> = {};
      let ready = !app.draining;
      if (app.draining) checks.process = 'draining';
      for (const [name, check] of app.readinessChecks) {
        try {
          const check$ = check();
          if (await timedOut(check$, READY_CHECK_TIMEOUT_MS)) throw new Error(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`);
          await check$;
          checks[name] = 'ok';
        } catch (err) {
          ready = false;
          checks[name] = `unavailable: ${(err as Error).message}`;
        }
      }
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  },
  { name: 'lifecycle', dependencies: ['store'] },
);
