/**
 * Where the browser bundle (src/web, built by Vite into src/web/dist) and the Pyodide files live, and building the
 * bundle when it is missing: `npm install` builds it (the `prepare` script); a fresh checkout that skipped that
 * builds it in the background on first start (never in tests, which call `buildWeb()` themselves).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The package root (from src/workspace or dist/workspace). */
export const PACKAGE_ROOT = resolve(here, '..', '..');
export const WEB_DIST = join(PACKAGE_ROOT, 'src', 'web', 'dist');
export const WEB_BUILD_SCRIPT = join(PACKAGE_ROOT, 'src', 'web', 'build.mjs');
export const PYODIDE_DIR = dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));
/** The only Pyodide files the page may fetch (no wheels: the stdlib only, never from a CDN). */
export const PYODIDE_FILES = new Set(['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']);

export const webBuilt = () => existsSync(join(WEB_DIST, 'index.html'));

let building: Promise<void> | undefined;

/** Builds the bundle (once per process); resolves when src/web/dist/index.html exists. */
export function buildWeb(): Promise<void> {
  if (webBuilt()) return Promise.resolve();
  building ??= new Promise<void>((res, rej) => {
    // NODE_ENV=test (vitest) would give a development React build (StrictMode double effects: the page's socket
    // opens twice); the bundle is always the production one.
    const child = spawn(process.execPath, [WEB_BUILD_SCRIPT], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', rej);
    child.once('exit', (code) => {
      building = undefined;
      if (code === 0 && webBuilt()) res();
      else rej(new Error(`the web build failed (exit ${code}): ${output.slice(-2000)}`));
    });
  });
  return building;
}

export function ensureWebBuild(log: { info(o: unknown, m?: string): void; error(o: unknown, m?: string): void }, nodeEnv?: string): void {
  if (webBuilt() || nodeEnv === 'test') return;
  log.info({ dist: WEB_DIST }, 'workspace: the browser bundle is missing; building it now (npm run build:web)');
  buildWeb().then(
    () => log.info({ dist: WEB_DIST }, 'workspace: browser bundle built'),
    (err: unknown) => log.error({ err }, 'workspace: building the browser bundle failed; candidate pages answer 503 until it is built'),
  );
}
