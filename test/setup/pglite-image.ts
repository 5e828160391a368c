/**
 * Vitest globalSetup: one migrated in-memory PGlite, dumped to a file the workers start their stores from
 * (test/helpers/pglite-image.ts). Made from this checkout's migrations at the start of every run, so it is never stale.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteImage } from '../../src/store/index.js';
import { PGLITE_IMAGE_ENV } from '../helpers/pglite-image.js';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'screenline-test-pglite-'));
  const path = join(dir, 'migrated.tar');
  await writeFile(path, Buffer.from(await (await pgliteImage()).arrayBuffer()));
  // Each fork gets a copy of process.env taken after this runs.
  process.env[PGLITE_IMAGE_ENV] = path;
  return () => rm(dir, { recursive: true, force: true });
}
