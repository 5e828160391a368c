/** Finds the SQL migrations folder whether running from src/ (tsx) or from a compiled dist/. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function resolveMigrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    // src/store/store.ts via tsx, or a build that copied the folder beside the compiled module.
    join(here, 'migrations'),
    // dist/store/*.js: tsc does not copy .sql files, so read them from the package's src/.
    resolve(here, '..', '..', 'src', 'store', 'migrations'),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'meta', '_journal.json')));
  if (!found) {
    throw new Error(`store: no migrations folder (meta/_journal.json) found; looked in ${candidates.join(', ')}`);
  }
  return found;
}
