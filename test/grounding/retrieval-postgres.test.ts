import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { checkPostgres, useTestDatabase } from '../helpers/postgres.js';
import { retrievalSuite } from './retrieval-suite.js';

// pgvector on the real server is optional: the Debian package is not in this machine's apt sources (see
// docs/grounding.md); without it the pgvector case checks the documented full-text fallback, and Pinecone carries the
// hybrid case.
let available = false;
beforeAll(async () => {
  available = (await checkPostgres()).ok;
});
const db = useTestDatabase();
retrievalSuite(
  'PostgreSQL',
  async () => (available ? openStore({ databaseUrl: db.url, dataDir: await mkdtemp(join(tmpdir(), 'sl-grounding-pg-')) }) : null),
  { pgvector: 'optional' },
);
