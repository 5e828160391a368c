/**
 * The worker process: consumes background jobs from BullMQ. With no REDIS_URL the web process runs jobs
 * in-process and a separate worker has nothing to share, so it says so and exits.
 */
import type { Config } from '../config.js';
import { createQueue } from '../jobs/create-queue.js';
import { describeJobAdapters, registerJobHandlers } from '../jobs/handlers.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';

export async function worker(config: Config): Promise<number> {
  const log = createLogger(config.logLevel);
  if (!config.redisUrl) {
    process.stdout.write(
      'worker: REDIS_URL is not set, so jobs run inside the web process (in-process queue). Nothing to do here.\n',
    );
    return 0;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  const queue = await createQueue(config.redisUrl, log);
  const names = registerJobHandlers(queue, { store, log, config });
  const adapters = describeJobAdapters({ store, log, config });
  process.stdout.write(
    `screenline worker\n  database  ${store.describe()}\n  queue     ${queue.describe()}\n  jobs      ${names.length ? names.join(', ') : '(none registered yet)'}\n  scorer    ${adapters.scorer}\n  email     ${adapters.email}\n`,
  );
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'worker draining');
    await queue.close(config.drainTimeoutMs);
    await store.close();
    log.info('worker closed');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stop(signal).catch((err: unknown) => {
      log.error({ err }, 'worker shutdown failed');
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return -1;
}
