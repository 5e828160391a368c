import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, PGLITE_MEMORY_URL } from '../../src/store/store.js';
import { retrievalSuite } from './retrieval-suite.js';
import { testPgliteImage } from '../helpers/pglite-image.js';

retrievalSuite('PGlite', async () => openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir: await mkdtemp(join(tmpdir(), 'sl-grounding-')), pgliteImage: await testPgliteImage() }), { pgvector: 'required' });
