/**
 * Real PostgreSQL for integration tests: a fresh database per test file on the loopback server
 * (admin URL overridable with TEST_DATABASE_ADMIN_URL). Unreachable → fail under CI, skip (with a reason) locally.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { describePostgresUrl } from '../../src/store/drivers.js';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL;
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a dropped admin connection must not crash the worker
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type PostgresAvailability = { ok: true } | { ok: false; reason: string };

/**
 * Checks the admin connection once. Under CI an unreachable server throws (so the test file fails, not skips);
 * locally it prints why and returns `{ ok: false }` for `describe.skipIf`.
 */
export async function checkPostgres(): Promise<PostgresAvailability> {
  try {
    await withAdmin((c) => c.query('select 1'));
    return { ok: true };
  } catch (err) {
    const reason =
      `PostgreSQL is unreachable at ${describePostgresUrl(adminUrl())} ` +
      `(${err instanceof Error ? err.message : String(err)}); set TEST_DATABASE_ADMIN_URL or start PostgreSQL`;
    if (inCi()) throw new Error(`CI requires PostgreSQL for the store tests: ${reason}`);
    console.warn(`[skipping PostgreSQL tests] ${reason}`);
    return { ok: false, reason };
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `screenline_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(async (c) => {
        // Pools the test forgot to close would block DROP DATABASE.
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
          name,
        ]);
        await c.query(`DROP DATABASE IF EXISTS "${name}"`);
      }),
  };
}

/** Registers beforeAll/afterAll hooks for one fresh database; read `.url` inside tests or later hooks. */
export function useTestDatabase(): { readonly url: string } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get url() {
      if (!db) throw new Error('test database not created yet (use .url inside a test or hook)');
      return db.url;
    },
  };
}
