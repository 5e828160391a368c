/**
 * Redis restart under BullMQ: a redis-server of our own (a free port, append-only file in a temp dir; never the
 * shared 6379) holds a delayed job and a job queued while the worker runs; Redis is shut down (it writes its AOF)
 * and started again on the same port. The jobs survive and the worker reconnects and runs each exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/lib/free-port.js';
import { createQueue } from '../../src/jobs/create-queue.js';
import { createLogger } from '../../src/lib/logger.js';

const REDIS = '/usr/bin/redis-server';

async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  const until = Date.now() + 10_000;
  for (;;) {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      return child;
    } catch {
      c.disconnect();
      if (Date.now() > until) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(!existsSync(REDIS))('Redis restart with BullMQ', () => {
  let dir = '';
  let redis: ChildProcess | undefined;
  afterAll(async () => {
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the queued and delayed jobs across the restart and runs each once after reconnecting', async () => {
    dir = await mkdtemp(join(tmpdir(), 'screenline-redis-'));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    redis = await startRedis(port, dir);
    const queue = await createQueue(url, createLogger('silent'));
    const ran: string[] = [];
    queue.process<{ n: string }>('faults.redis', async (data) => void ran.push(data.n));
    await queue.enqueue('faults.redis', { n: 'before' }, { jobId: 'before-restart' });
    await waitUntil(() => ran.includes('before'));
    await queue.enqueue('faults.redis', { n: 'delayed' }, { jobId: 'delayed-across-restart', delayMs: 2500 });

    // SIGTERM: Redis flushes its append-only file and exits, like a restart by its supervisor.
    const exited = new Promise((r) => redis!.once('exit', r));
    redis.kill('SIGTERM');
    await exited;
    await new Promise((r) => setTimeout(r, 800));
    redis = await startRedis(port, dir);
    await queue.enqueue('faults.redis', { n: 'after' }, { jobId: 'after-restart' });

    await waitUntil(() => ran.includes('delayed') && ran.includes('after'), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(ran.sort()).toEqual(['after', 'before', 'delayed']);
    await queue.close(5000);
    redis.kill('SIGTERM');
  }, 60_000);
});

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
