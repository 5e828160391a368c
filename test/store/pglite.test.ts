import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/store/db.js';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/store.js';
import { runStoreSuite } from './store-suite.js';
import { testPgliteImage } from '../helpers/pglite-image.js';

describe('store on PGlite (in memory)', () => {
  runStoreSuite(async (dataDir) => openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, pgliteImage: await testPgliteImage() }));
});

describe('PGlite persistence and extensions', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data in ${dataDir}/pglite across close and reopen', async () => {
    const logged: string[] = [];
    const log = { info: (_obj: object, msg?: string) => void logged.push(msg ?? '') };
    const first = await openStore({ dataDir, log });
    expect(first.kind).toBe('pglite');
    expect(first.describe()).toBe(`pglite at ${join(dataDir, 'pglite')}`);
    expect(logged).toContain('store opened');
    const iv = await first.interviews.create({ candidate: { name: 'A', phone: '+15550000001' }, role: { title: 'R' } });
    await first.events.append(iv.id, 'call.started', { n: 1 });
    const { token } = await first.apiTokens.issue('persisted');
    await first.close();

    const second = await openStore({ dataDir });
    try {
      expect((await second.interviews.get(iv.id))?.candidate.name).toBe('A');
      expect((await second.events.list(iv.id)).map((e) => e.type)).toEqual(['call.started']);
      expect((await second.apiTokens.verify(token))?.tenantId).toBe('default');
      // The counter survived too: the next append continues the sequence.
      expect((await second.events.append(iv.id, 'call.ended', {})).seq).toBe(2);
    } finally {
      await second.close();
    }
  });

  it('loads the pgvector extension so a migration can create it', async () => {
    let store: Store | undefined;
    try {
      store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, migrate: false });
      await store.db.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
      const [row] = rowsOf<{ d: number }>(await store.db.execute(sql`select '[1,0]'::vector <=> '[0,1]'::vector as d`));
      expect(Number(row?.d)).toBeCloseTo(1, 5);
    } finally {
      await store?.close();
    }
  });

  it('rejects an unsupported database URL scheme', async () => {
    await expect(openStore({ databaseUrl: 'mysql://x', dataDir })).rejects.toThrow(/unsupported database URL/);
  });
});
