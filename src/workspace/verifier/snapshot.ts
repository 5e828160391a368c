/**
 * A memory snapshot of a freshly initialised Pyodide, so a verification child starts in ~0.4 s instead of ~3 s.
 * Most of Pyodide's start is the Python interpreter initialising inside WebAssembly memory; a snapshot of that memory,
 * taken once by a child that runs nothing but `loadPyodide`, lets every later child skip it (Pyodide's
 * `_makeSnapshot` / `makeMemorySnapshot` / `_loadSnapshot`, the mechanism Cloudflare's Python Workers use).
 *
 * Each child still gets its own fresh memory copied from the snapshot: nothing carries over between submissions, and
 * no untrusted code has run when the snapshot is taken. The file is cached per user in a private directory (0700,
 * owned by us, not a symlink), keyed by everything that shapes it (Pyodide and Node versions, the runner, the memory
 * cap), and written atomically, so parallel processes and restarts share one.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setPriority, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface SnapshotSpec {
  /** The interpreter command and its arguments up to (not including) the runner's own arguments. */
  command: string;
  /** Arguments before the permission flags (e.g. `unshare -n --`, then node and its V8 flags). */
  prefixArgs: string[];
  /** The runner script and the Pyodide entry module. */
  runner: string;
  pyodideMjs: string;
  /** Node permission flags the children run with (the maker gets these plus write access to its one output file). */
  permissionArgs: string[];
  wasmPages: number;
  niceness: number;
  /** Where snapshots are cached (default: `<tmpdir>/screenline-pyodide-<uid>`). */
  dir?: string;
  timeoutMs: number;
}

const made = new Map<string, Promise<string | undefined>>();

function defaultDir(): string {
  let uid: number | string = 'user';
  try {
    uid = userInfo().uid;
  } catch {
    // No passwd entry (some containers): one shared name is still private by its mode check.
  }
  return join(tmpdir(), `screenline-pyodide-${uid}`);
}

const keys = new Map<string, string>();

/** Computed once per runner and memory cap: every child spawn asks for the snapshot, and this reads files. */
function keyOf(spec: SnapshotSpec): string {
  const id = `${spec.runner}\0${spec.wasmPages}`;
  let key = keys.get(id);
  if (!key) keys.set(id, (key = computeKey(spec)));
  return key;
}

function computeKey(spec: SnapshotSpec): string {
  const require = createRequire(import.meta.url);
  const version = (require('pyodide/package.json') as { version: string }).version;
  return createHash('sha256')
    .update(`${version}\0${process.version}\0${spec.wasmPages}\0`)
    .update(readFileSync(spec.runner))
    .digest('hex')
    .slice(0, 24);
}

/** The directory exists, is ours, is not a symlink and no one else can read or write it. */
async function privateDir(dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = await lstat(dir);
  if (!s.isDirectory() || s.isSymbolicLink()) return false;
  if (typeof process.getuid === 'function' && s.uid !== process.getuid()) return false;
  if ((s.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return true;
}

/**
 * The snapshot's path, made on first use (in the background of whoever asks first; later callers share the promise).
 * Resolves to undefined when a snapshot cannot be made here: children then load Pyodide the slow way.
 */
export function pyodideSnapshot(spec: SnapshotSpec, log?: { warn(obj: unknown, msg?: string): void }): Promise<string | undefined> {
  const dir = spec.dir ?? defaultDir();
  const key = keyOf(spec);
  const id = `${dir}\0${key}`;
  let p = made.get(id);
  if (!p) {
    p = makeOrReuse(spec, dir, key).catch((err: unknown) => {
      log?.warn({ err }, 'verifier: no Pyodide snapshot (children load Pyodide in full, ~3 s each)');
      made.delete(id);
      return undefined;
    });
    made.set(id, p);
  }
  return p;
}

/** A child could not load from the snapshot: forget it so the next child asks for a new one. */
export async function discardSnapshot(path: string): Promise<void> {
  for (const [id, p] of made) if ((await p) === path) made.delete(id);
  await rm(path, { force: true });
}

async function makeOrReuse(spec: SnapshotSpec, dir: string, key: string): Promise<string> {
  if (!(await privateDir(dir))) throw new Error(`${dir} is not a private directory of this user`);
  const file = join(dir, `snapshot-${key}.bin`);
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isFile() && existing.size > 1_000_000) return file;

  const partial = join(dir, `snapshot-${key}.${process.pid}.${Date.now()}.partial`);
  const args = [...spec.prefixArgs, ...spec.permissionArgs, `--allow-fs-write=${partial}`, spec.runner, spec.pyodideMjs, `--make-snapshot=${partial}`];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(spec.command, args, { cwd: dir, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
      if (child.pid !== undefined && spec.niceness !== 0) {
        try {
          setPriority(child.pid, spec.niceness);
        } catch {
          // Not permitted: runs at our priority.
        }
      }
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        if (out.length < 8000) out += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        if (out.length < 8000) out += c;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && out.includes('"type":"snapshot"')) resolve();
        else reject(new Error(`the snapshot child ended with ${signal ?? `exit ${code}`}: ${out.slice(-300)}`));
      });
    });
    await rename(partial, file);
    return file;
  } finally {
    await rm(partial, { force: true });
  }
}
