/**
 * `screenline worker` with WORKER_METRICS_PORT, as the real CLI: its banner says where metrics are, the listener
 * asks for METRICS_TOKEN, a scrape has the job series, queue depth, event-loop lag and GC, and SIGTERM closes it
 * and exits 0. One spawn (each costs seconds).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/lib/free-port.js';

const root = new URL('../../', import.meta.url).pathname;

async function waitFor(fn: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('screenline worker metrics', () => {
  let dataDir = '';
  let child: ChildProcess | undefined;
  afterEach(async () => {
    // A failed assertion must not leave the worker running (it would hold the vitest process open).
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves /metrics on WORKER_METRICS_PORT behind METRICS_TOKEN, and closes it on SIGTERM (exit 0)', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-worker-metrics-'));
    const port = await freePort();
    const token = 'worker-metrics-token-123';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATA_DIR: dataDir,
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        HOST: '127.0.0.1',
        WORKER_METRICS_PORT: String(port),
        METRICS_TOKEN: token,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const w = child;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => w.once('exit', (code, signal) => resolve({ code, signal })));

    await waitFor(() => /^ {2}metrics /m.test(out) || w.exitCode !== null, 60_000);
    expect(out).toContain(`  metrics   http://127.0.0.1:${port}/metrics (Authorization: Bearer <METRICS_TOKEN>)`);
    expect(out).toMatch(/queue\s+bullmq on redis/);

    const url = `http://127.0.0.1:${port}/metrics`;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'unauthorized' });
    expect((await fetch(url, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/other`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);

    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^screenline_nodejs_eventloop_lag_p99_seconds \S+$/m);
    expect(text).toMatch(/^# TYPE screenline_nodejs_gc_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE screenline_job_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE screenline_job_wait_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE screenline_errors_total counter$/m);
    // Depth is read from Redis at scrape time for every job this worker consumes (the dial job is always one).
    expect(text).toMatch(/^screenline_queue_depth\{job="call\.dial",state="waiting"\} \d+$/m);

    w.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    await expect(fetch(url)).rejects.toThrow();
  }, 90_000);
});
