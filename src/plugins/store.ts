/** Decorates `app.store`; closes it last (plugins close in reverse order and this one registers first). */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../store/store.js';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

export default fp(
  async function storePlugin(app: FastifyInstance, opts: { config: Config; store?: Store }) {
    const owned = !opts.store;
    const store =
      opts.store ?? (await openStore({ databaseUrl: opts.config.databaseUrl, dataDir: opts.config.dataDir, log: app.log }));
    app.decorate('store', store);
    app.adapters.set('database', store.describe());
    app.addHook('onClose', async () => {
      if (owned) await store.close();
    });
  },
  { name: 'store', dependencies: ['adapters'] },
);
