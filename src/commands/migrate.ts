import type { Config } from '../config.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';

export async function migrate(config: Config): Promise<number> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false, log: createLogger(config.logLevel) });
  try {
    process.stdout.write(`migrating ${store.describe()} …\n`);
    await store.migrate();
    process.stdout.write('migrations applied\n');
    return 0;
  } finally {
    await store.close();
  }
}
