/** The two database drivers behind one shape: embedded PGlite and a node-postgres Pool. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Db } from './db.js';
import * as schema from './schema.js';

export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}

export interface Driver {
  kind: 'pglite' | 'postgres';
  describe(): string;
  db: Db;
  migrate(migrationsFolder: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Any fixed 64-bit number works; every screenline process migrating the same database takes this one lock. */
const MIGRATE_LOCK_KEY = '7236117045520511843';

export async function openPglite(opts: { dataDir?: string; inMemory: boolean; image?: Blob }): Promise<Driver> {
  let where = 'memory://';
  if (!opts.inMemory) {
    where = join(opts.dataDir ?? '.', 'pglite');
    await mkdir(where, { recursive: true });
  }
  // pgvector is loaded (not created) so a later migration can `CREATE EXTENSION vector`.
  // An image (a dumped data directory) skips initdb: about 2 s less per in-memory store, which the tests open by the hundred.
  const client = await PGlite.create({ dataDir: where, extensions: { vector }, ...(opts.image ? { loadDataDir: opts.image } : {}) });
  const db = drizzlePglite({ client, schema });
  let closed = false;
  return {
    kind: 'pglite',
    describe: () => (opts.inMemory ? 'pglite in memory' : `pglite at ${where}`),
    db,
    // PGlite is one connection in this process: nothing else can migrate concurrently.
    migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
    async ping() {
      await client.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

/** A freshly migrated in-memory PGlite, dumped: what `openPglite({ image })` starts from (tests' fast path). */
export async function migratedPgliteImage(migrationsFolder: string): Promise<Blob> {
  const client = await PGlite.create({ extensions: { vector } });
  try {
    await migratePglite(drizzlePglite({ client, schema }), { migrationsFolder });
    return await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
}

export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default db)';
    // Host, port and database only: never the user's password (nor the query string, which may hold one).
    return `postgres at ${u.hostname || 'localhost'}:${u.port || '5432'}/${db}`;
  } catch {
    return 'postgres (unparsable DATABASE_URL)';
  }
}

export async function openPostgres(opts: { url: string; log?: StoreLogger }): Promise<Driver> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that would crash the process.
  pool.on('error', (err) => opts.log?.error?.({ err }, 'postgres idle client error'));
  const db = drizzlePg({ client: pool, schema });
  let closed = false;
  return {
    kind: 'postgres',
    describe: () => describePostgresUrl(opts.url),
    db,
    async migrate(migrationsFolder) {
      // Two processes starting together must not both run the same migration: serialize on an advisory lock,
      // held by one dedicated connection for the whole run.
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('select pg_advisory_lock($1::bigint)', [MIGRATE_LOCK_KEY]);
        try {
          await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATE_LOCK_KEY]);
        }
      } catch (err) {
        // Do not return a connection in an unknown state (perhaps still holding the lock) to the pool.
        broken = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
