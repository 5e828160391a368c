/**
 * The migrated PGlite image the whole run shares: made once by the global setup (test/setup/pglite-image.ts),
 * read once per test file, so each in-memory store skips initdb and the migrations (~2.5 s each on this machine).
 */
import { readFile } from 'node:fs/promises';

export const PGLITE_IMAGE_ENV = 'SCREENLINE_TEST_PGLITE_IMAGE';

let image: Promise<Blob | undefined> | undefined;

/** The image, or undefined when the run has none (a store then starts empty and migrates, as before). */
export function testPgliteImage(): Promise<Blob | undefined> {
  image ??= (async () => {
    const path = process.env[PGLITE_IMAGE_ENV];
    return path ? new Blob([await readFile(path)]) : undefined;
  })();
  return image;
}
