/**
 * Real Redis on loopback for integration tests. In CI (CI set) a missing server fails the suite; on a developer
 * machine the tests skip with the reason printed.
 */
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    if (process.env.CI) throw new Error(`Redis is required in CI but ${TEST_REDIS_URL} did not answer (run scripts/ensure-services.sh)`);
    console.warn(`skipping Redis tests: ${TEST_REDIS_URL} did not answer`);
    return false;
  } finally {
    client.disconnect();
  }
}
