/**
 * Vitest globalSetup: secrets are never logged, checked across the whole run. Setup makes a fresh log directory
 * and hands it to the workers through the environment (each fork gets a copy of process.env taken after this
 * runs); the test helpers (test/helpers/app.ts) give every app they build a debug-level file logger there and
 * record its secrets beside it. Teardown searches every log line for every recorded secret.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_DIR_ENV, scanLogDir } from './app-log.js';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'screenline-test-logs-'));
  process.env[LOG_DIR_ENV] = dir;
  return async () => {
    const { leaks, logs, secrets } = scanLogDir(dir);
    if (!leaks.length) {
      if (!process.env.SCREENLINE_KEEP_TEST_LOGS) await rm(dir, { recursive: true, force: true });
      return;
    }
    // Vitest only logs a teardown error ("error during close") and would exit 0: fail the run ourselves.
    process.exitCode = 1;
    const list = leaks.map((l) => `  ${l.secret} (${l.prefix}) in ${l.log} line ${l.line}${l.lines > 1 ? ` and ${l.lines - 1} more` : ''} [${l.testFile}]`);
    throw new Error(`secrets found in test logs (${leaks.length} of ${secrets} secrets × ${logs} logs; kept in ${dir}):\n${list.join('\n')}`);
  };
}
