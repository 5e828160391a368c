/**
 * `screenline serve` on both cores, as a real process tree: with DATABASE_URL and WEB_CONCURRENCY=2 the primary
 * forks two workers that share the port, restarts one killed with SIGKILL, and on SIGTERM drains both and exits 0;
 * on embedded PGlite one process serves and the banner says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/free-port.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { processAlive } from '../helpers/process-alive.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
let db: TestDatabase | undefined;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db?.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function serve(env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-cluster-'));
  dirs.push(dataDir);
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', API_TOKEN: 'sl_cluster_test_0123456789', DRAIN_TIMEOUT_MS: '3000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const waiters: { re: RegExp; count: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if ((out.match(new RegExp(w.re.source, 'g'))?.length ?? 0) >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), check()));
  child.stderr!.on('data', (d: Buffer) => ((out += d.toString()), check()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp, count = 1, timeoutMs = 150_000) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ re, count, resolve });
      check();
      setTimeout(() => reject(new Error(`no ${count}× ${re} within ${timeoutMs} ms; output:\n${out.slice(-3000)}`)), timeoutMs).unref();
    });
  return { child, port, output: () => out, waitFor, exited };
}

/** GET over a fresh connection, so the cluster may hand it to either worker. */
const getStatus = (port: number, path: string) =>
  new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject);
  });

describe('screenline serve on both cores', () => {
  it('WEB_CONCURRENCY=2 on PostgreSQL: two workers share the port; a killed worker is restarted; SIGTERM drains both and exits 0', async () => {
    db = await createTestDatabase();
    const [s, single] = await Promise.all([serve({ WEB_CONCURRENCY: '2', DATABASE_URL: db.url }), serve({ WEB_CONCURRENCY: '2' })]);

    // Embedded PGlite: one process, and the banner says why.
    await single.waitFor(/processes {2}1: /);
    expect(single.output()).toMatch(/processes {2}1: WEB_CONCURRENCY=2, but the embedded PGlite database has one owner, so one process serves \(set DATABASE_URL to serve from 2\)/);
    expect(single.output()).not.toMatch(/cluster worker/);
    single.child.kill('SIGTERM');

    await s.waitFor(/cluster worker #\d+, one of 2 \(pid \d+\)/, 2);
    expect(s.output()).toMatch(/screenline: 2 web processes \(WEB_CONCURRENCY=2\); primary pid \d+ supervises/);
    expect(s.output()).toMatch(/live bus +cluster IPC through the primary/);
    const pids = [...s.output().matchAll(/cluster worker #(\d+), one of 2 \(pid (\d+)\)/g)].map((m) => Number(m[2]));
    expect(new Set(pids).size).toBe(2);
    for (let i = 0; i < 6; i++) expect(await getStatus(s.port, '/health')).toBe(200);

    // kill -9 one worker: the primary logs it and forks a replacement, which serves.
    process.kill(pids[0]!, 'SIGKILL');
    await s.waitFor(/web worker died: restarting it/);
    await s.waitFor(/cluster worker #\d+, one of 2 \(pid \d+\)/, 3);
    const replacement = [...s.output().matchAll(/cluster worker #\d+, one of 2 \(pid (\d+)\)/g)].map((m) => Number(m[1])).at(-1)!;
    expect(pids).not.toContain(replacement);
    for (let i = 0; i < 4; i++) expect(await getStatus(s.port, '/health')).toBe(200);

    // SIGTERM to the primary only: it forwards the drain; everything exits, the primary with 0.
    s.child.kill('SIGTERM');
    const code = await s.exited;
    expect(code, s.output().split('\n').filter((l) => !l.startsWith('  ')).join('\n').slice(-3000)).toBe(0);
    expect(processAlive(pids[1]!) || processAlive(replacement)).toBe(false);
    expect(await single.exited).toBe(0);
    // Generous: on an idle machine this takes ~25 s; booting three apps under tsx on a saturated one takes minutes.
  }, 400_000);
});
