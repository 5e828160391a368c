/** Builds the real app for service tests: embedded in-memory PGlite, in-process queue, quiet logs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOverrides } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/store.js';
import { startSimulation } from '../../src/sim/local-mode.js';
import { createLogger } from '../../src/lib/logger.js';

export const TEST_API_TOKEN = 'sl_test_token_0123456789';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  config: Config;
  dataDir: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

export async function testConfig(env: Record<string, string> = {}): Promise<{ config: Config; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-test-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, API_TOKEN: TEST_API_TOKEN, ...env });
  return { config, dataDir };
}

export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const { config, dataDir } = await testConfig(env);
  const store = overrides.store ?? (await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir }));
  // Like local mode: speech-to-text is the Deepgram-protocol simulator unless the test injects its own.
  const simulation = overrides.simulation ?? (overrides.providers?.stt || config.deepgram.apiKey ? undefined : await startSimulation(config, createLogger('silent')));
  const app = await buildApp(config, { ...overrides, store, simulation });
  return {
    app,
    store,
    config,
    dataDir,
    auth: { authorization: `Bearer ${TEST_API_TOKEN}` },
    async close() {
      await app.close();
      if (!overrides.store) await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
