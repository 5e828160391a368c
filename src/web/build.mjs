// Builds the browser bundle into src/web/dist with Vite. Run by `npm install` (prepare) and `npm run build:web`.
// Skips quietly where it cannot run (production installs without dev dependencies, or before src/ is copied).
import { cpSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--if-possible');
if (!existsSync(join(here, 'index.html'))) {
  console.log('build:web: src/web is not here; skipped');
  process.exit(0);
}
let vite;
try {
  vite = await import('vite');
} catch {
  if (optional) {
    console.log('build:web: vite is not installed (production install); skipped');
    process.exit(0);
  }
  throw new Error('build:web: vite is not installed');
}
const started = Date.now();
await vite.build({ configFile: join(here, 'vite.config.ts') });
// Excalidraw's fonts are fetched at run time by path (not imports Vite sees): copy them into the build so the board
// never reaches a CDN. The page sets EXCALIDRAW_ASSET_PATH to /w/assets/excalidraw/.
const excalidrawDist = dirname(createRequire(import.meta.url).resolve('@excalidraw/excalidraw'));
cpSync(join(excalidrawDist, 'fonts'), join(here, 'dist', 'assets', 'excalidraw', 'fonts'), { recursive: true });
// The recruiter dashboard: a second build into dist/dashboard (after the first, which empties dist/).
if (existsSync(join(here, 'dashboard', 'vite.config.ts'))) await vite.build({ configFile: join(here, 'dashboard', 'vite.config.ts') });
console.log(`build:web: built src/web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
