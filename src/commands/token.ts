import type { Config } from '../config.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';

export async function token(config: Config, args: string[]): Promise<number> {
  const [sub, label = 'cli'] = args;
  if (sub !== 'create') {
    process.stderr.write('usage: screenline token create [label]\n');
    return 2;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: createLogger('warn') });
  try {
    const issued = await store.apiTokens.issue(label);
    process.stdout.write(`API token "${label}" (shown once, stored hashed):\n${issued.token}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
