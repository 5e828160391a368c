/**
 * Builds the real app for service tests: embedded in-memory PGlite, in-process queue, quiet logs. Under the
 * suite's secret scan (test/setup/log-scan.ts) an app without an injected logger logs to a file instead, and its
 * secrets are recorded for the scan.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOverrides } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/store.js';
import { startSimulation } from '../../src/sim/local-mode.js';
import { createLogger } from '../../src/lib/logger.js';
import { expect } from 'vitest';
import { openAppLog, secretsOf } from '../setup/app-log.js';
import { testPgliteImage } from './pglite-image.js';

export const TEST_API_TOKEN = 'sl_test_token_0123456789';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  config: Config;
  dataDir: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

export async function testConfig(env: Record<string, string> = {}): Promise<{ config: Config; dataDir: string; env: Record<string, string> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-test-'));
  const merged = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, API_TOKEN: TEST_API_TOKEN, ...env };
  const config = loadConfig(merged);
  return { config, dataDir, env: merged };
}

export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const { config, dataDir, env: configEnv } = await testConfig(env);
  // LOG_LEVEL stays 'silent' in config: only this file logger (when the scan runs) writes anything.
  const log = overrides.logger ? undefined : openAppLog(expect.getState().testPath);
  const recordSecrets = () => log?.recordSecrets({ TEST_API_TOKEN, ...secretsOf(configEnv, config) }, dataDir);
  recordSecrets();
  const store = overrides.store ?? (await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, pgliteImage: await testPgliteImage() }));
  // Like local mode: speech-to-text is the Deepgram-protocol simulator unless the test injects its own.
  const simulation = overrides.simulation ?? (overrides.providers?.stt || config.deepgram.apiKey ? undefined : await startSimulation(config, log?.logger ?? createLogger('silent')));
  const app = await buildApp(config, { ...overrides, store, simulation, ...(log ? { logger: log.logger } : {}) });
  // Again now that the plugins have generated what was not configured (Twilio auth token, session secret…).
  recordSecrets();
  return {
    app,
    store,
    config,
    dataDir,
    auth: { authorization: `Bearer ${TEST_API_TOKEN}` },
    async close() {
      await app.close();
      if (!overrides.store) await store.close();
      // Secrets generated lazily (the ATS secrets key) exist only now; dataDir goes next.
      recordSecrets();
      await log?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
