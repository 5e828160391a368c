import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: keep parallelism modest so real-time audio tests keep their pacing honest.
    maxWorkers: 2,
    // Secrets are never logged: every app the test helpers build logs to a file, scanned for secrets after the run.
    // One migrated PGlite image for the whole run: in-memory stores start from it instead of initdb.
    globalSetup: ['test/setup/log-scan.ts', 'test/setup/pglite-image.ts'],
  },
});
