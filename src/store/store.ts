/**
 * The store: one schema on embedded PGlite (default, `${dataDir}/pglite`) or PostgreSQL (`DATABASE_URL`),
 * with repositories that speak in use-case terms rather than SQL.
 */
import { join } from 'node:path';
import type { Db } from './db.js';
import { migratedPgliteImage, openPglite, openPostgres, type Driver, type StoreLogger } from './drivers.js';
import { resolveMigrationsFolder } from './migrations-folder.js';
import { createApiTokensRepo, type ApiTokensRepo } from './repos/api-tokens.js';
import { createArtifactsRepo, type ArtifactsRepo } from './repos/artifacts.js';
import { createEventsRepo, type EventsRepo } from './repos/events.js';
import { createInterviewsRepo, type InterviewsRepo } from './repos/interviews.js';
import { createStreamTokensRepo, type StreamTokensRepo } from './repos/stream-tokens.js';

export type { StoreLogger };

/** `databaseUrl` value that selects an in-memory PGlite (tests). */
export const PGLITE_MEMORY_URL = 'pglite://memory';

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// → PostgreSQL; unset → PGlite under `${dataDir}/pglite`; `pglite://memory` → in-memory PGlite. */
  databaseUrl?: string;
  /** Holds the PGlite folder and `artifacts/`. */
  dataDir: string;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
  log?: StoreLogger;
  /** In-memory PGlite regardless of `databaseUrl` being unset (tests). */
  inMemory?: boolean;
  /** In-memory PGlite only: start from this image (see `pgliteImage`) instead of an empty cluster. */
  pgliteImage?: Blob;
  /** Override the migrations folder (default: resolved beside this module, else `<package>/src/store/migrations`). */
  migrationsFolder?: string;
}

export interface Store {
  kind: 'pglite' | 'postgres';
  /** e.g. "pglite at data/pglite" or "postgres at 127.0.0.1:5432/screenline"; never credentials. */
  describe(): string;
  db: Db;
  /** Applies pending migrations; a no-op when up to date. Safe from concurrent processes on PostgreSQL. */
  migrate(): Promise<void>;
  /** Throws if the database cannot answer. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  interviews: InterviewsRepo;
  events: EventsRepo;
  artifacts: ArtifactsRepo;
  apiTokens: ApiTokensRepo;
  streamTokens: StreamTokensRepo;
}

async function openDriver(opts: OpenStoreOptions): Promise<Driver> {
  const url = opts.databaseUrl?.trim() || undefined;
  if (opts.inMemory || url === PGLITE_MEMORY_URL) return openPglite({ inMemory: true, image: opts.pgliteImage });
  if (url === undefined) return openPglite({ dataDir: opts.dataDir, inMemory: false });
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres({ url, log: opts.log });
  throw new Error(`store: unsupported database URL scheme (expected postgres://, postgresql:// or ${PGLITE_MEMORY_URL})`);
}

/** An in-memory PGlite with every migration applied, dumped once, for `openStore({ pgliteImage })` (tests). */
export function pgliteImage(migrationsFolder = resolveMigrationsFolder()): Promise<Blob> {
  return migratedPgliteImage(migrationsFolder);
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const driver = await openDriver(opts);
  const db = driver.db;
  const store: Store = {
    kind: driver.kind,
    describe: driver.describe,
    db,
    async migrate() {
      const folder = opts.migrationsFolder ?? resolveMigrationsFolder();
      const startedAt = Date.now();
      await driver.migrate(folder);
      opts.log?.info({ database: driver.describe(), durationMs: Date.now() - startedAt }, 'database migrations applied');
    },
    ping: () => driver.ping(),
    close: () => driver.close(),
    interviews: createInterviewsRepo(db),
    events: createEventsRepo(db),
    artifacts: createArtifactsRepo(db, join(opts.dataDir, 'artifacts')),
    apiTokens: createApiTokensRepo(db),
    streamTokens: createStreamTokensRepo(db),
  };
  try {
    if (opts.migrate ?? true) await store.migrate();
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  opts.log?.info({ database: driver.describe() }, 'store opened');
  return store;
}
