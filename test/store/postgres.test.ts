import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/store/db.js';
import { describePostgresUrl } from '../../src/store/drivers.js';
import { openStore } from '../../src/store/store.js';
import { checkPostgres, createTestDatabase, useTestDatabase } from '../helpers/postgres.js';
import { runStoreSuite } from './store-suite.js';

const postgres = await checkPostgres();

describe('describePostgresUrl', () => {
  it('names host, port and database, never credentials', () => {
    const text = describePostgresUrl('postgres://alice:s3cr3t@db.internal:6543/screenline?password=other');
    expect(text).toBe('postgres at db.internal:6543/screenline');
    expect(describePostgresUrl('postgresql://127.0.0.1/x')).toBe('postgres at 127.0.0.1:5432/x');
  });
});

describe.skipIf(!postgres.ok)('store on PostgreSQL', () => {
  const database = useTestDatabase();
  runStoreSuite((dataDir) => openStore({ databaseUrl: database.url, dataDir }));
});

describe.skipIf(!postgres.ok)('PostgreSQL migrations and connectivity', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-pg-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets two processes migrate the same empty database at once (advisory lock)', async () => {
    const db = await createTestDatabase();
    const stores = await Promise.all(
      Array.from({ length: 2 }, () => openStore({ databaseUrl: db.url, dataDir, migrate: false })),
    );
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const [row] = rowsOf<{ n: number }>(
        await stores[0]!.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
      );
      // Applied once each, not twice: as many rows as the journal has migrations.
      const journal = JSON.parse(await readFile(new URL('../../src/store/migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
      expect(row?.n).toBe(journal.entries.length);
      const iv = await stores[1]!.interviews.create({ candidate: { name: 'B', phone: '+15550000002' }, role: { title: 'R' } });
      expect((await stores[0]!.interviews.get(iv.id))?.id).toBe(iv.id);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });

  it('fails ping (not open) when the server is unreachable', async () => {
    const store = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir, migrate: false });
    try {
      expect(store.kind).toBe('postgres');
      await expect(store.ping()).rejects.toThrow();
    } finally {
      await store.close();
    }
  });

  it('fails openStore clearly when migrating an unreachable server', async () => {
    await expect(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir })).rejects.toThrow();
  });
});
