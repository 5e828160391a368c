/**
 * Dashboard live-view fan-out: 50 viewers follow one interview over the real SSE route on a loopback socket
 * (GET /api/interviews/:id/live); events are appended to the log one at a time; for each, the time from the append
 * call to the moment the LAST of the 50 viewers has it (and per delivery), p50/p95/p99. Once over the in-process
 * bus, and once over Redis pub/sub when Redis answers at REDIS_URL (default redis://127.0.0.1:6379).
 * Standalone: `npx tsx scripts/bench/dashboard-fanout.ts [--quick]`; `npm run bench` runs it too.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openStore, PGLITE_MEMORY_URL } from '../../src/store/store.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { createLogger } from '../../src/lib/logger.js';
import { freePort } from '../../src/lib/free-port.js';
import { startSimulation } from '../../src/sim/local-mode.js';

export const FANOUT_BUDGET_P99_MS = 100;
const TOKEN = 'sl_bench_token_0123456789';

export interface FanoutRun {
  bus: string;
  viewers: number;
  events: number;
  allViewers: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  perDelivery: { p50Ms: number; p95Ms: number; p99Ms: number };
  lost: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))]! * 100) / 100 : 0;
};

async function redisUp(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function runOnce(opts: { viewers: number; events: number; redisUrl?: string }): Promise<FanoutRun> {
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-bench-fanout-'));
  const port = await freePort();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, API_TOKEN: TOKEN, PUBLIC_URL: `http://127.0.0.1:${port}`, ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}) });
  const store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir });
  const simulation = await startSimulation(config, createLogger('silent'));
  const app = await buildApp(config, { store, queue: new InProcessQueue(), logger: createLogger('silent'), simulation });
  await app.listen({ port, host: '127.0.0.1' });
  await (app.processBus as { whenReady?: () => Promise<void> }).whenReady?.();
  try {
    const iv = await store.interviews.create({ candidate: { name: 'Bench Viewer', phone: '+14155550199' }, role: { title: 'SRE' } });
    const sentAt = new Map<number, number>();
    const received = new Map<number, number[]>();
    const readyCount = { n: 0 };
    let onAllReady!: () => void;
    const allReady = new Promise<void>((r) => (onAllReady = r));
    const pendingBySeq = new Map<number, () => void>();
    const reqs = [];
    for (let v = 0; v < opts.viewers; v++) {
      const req = request(`http://127.0.0.1:${port}/api/interviews/${iv.id}/live`, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' } }, (res) => {
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          const now = performance.now();
          buf += chunk;
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            if (block.startsWith('event: ready')) {
              if (++readyCount.n === opts.viewers) onAllReady();
              continue;
            }
            const id = /^id: (\d+)/m.exec(block);
            if (!id) continue;
            const seq = Number(id[1]);
            const list = received.get(seq) ?? [];
            list.push(now);
            received.set(seq, list);
            if (list.length === opts.viewers) pendingBySeq.get(seq)?.();
          }
        });
      });
      req.on('error', () => undefined);
      req.end();
      reqs.push(req);
    }
    await allReady;
    const allMs: number[] = [];
    const each: number[] = [];
    for (let i = 0; i < opts.events; i++) {
      const seq = i + 1;
      const done = new Promise<void>((r) => pendingBySeq.set(seq, r));
      const t0 = performance.now();
      sentAt.set(seq, t0);
      await store.events.append(iv.id, 'transcript.turn', { text: `line ${i}`, endReason: 'stt', bargedIn: false });
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      const got = received.get(seq) ?? [];
      if (got.length === opts.viewers) allMs.push(Math.max(...got) - t0);
      for (const at of got) each.push(at - t0);
      // Events spaced like a busy call (a transcript segment, a reply, a score), not a tight loop.
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const r of reqs) r.destroy();
    return {
      bus: app.liveFeed.kind,
      viewers: opts.viewers,
      events: opts.events,
      allViewers: { p50Ms: pct(allMs, 0.5), p95Ms: pct(allMs, 0.95), p99Ms: pct(allMs, 0.99), maxMs: pct(allMs, 1) },
      perDelivery: { p50Ms: pct(each, 0.5), p95Ms: pct(each, 0.95), p99Ms: pct(each, 0.99) },
      lost: opts.events * opts.viewers - each.length,
    };
  } finally {
    await app.close();
    await simulation.close?.();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function run(opts: { quick?: boolean; viewers?: number } = {}): Promise<FanoutRun[]> {
  const viewers = opts.viewers ?? 50;
  const events = opts.quick ? 100 : 400;
  const out = [await runOnce({ viewers, events })];
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisUp(redisUrl)) out.push(await runOnce({ viewers, events, redisUrl }));
  return out;
}

export function fanoutTable(runs: FanoutRun[]): string {
  return [
    `dashboard live view: one interview, ${runs[0]?.viewers ?? 50} SSE viewers over loopback; event appended → received (budget: all viewers p99 < ${FANOUT_BUDGET_P99_MS} ms)`,
    '| bus | events | all viewers p50 ms | p95 ms | p99 ms | max ms | per delivery p50 / p99 ms | lost | |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.bus} | ${r.events} | ${r.allViewers.p50Ms} | ${r.allViewers.p95Ms} | ${r.allViewers.p99Ms} | ${r.allViewers.maxMs} | ${r.perDelivery.p50Ms} / ${r.perDelivery.p99Ms} | ${r.lost} | ${r.allViewers.p99Ms < FANOUT_BUDGET_P99_MS && r.lost === 0 ? 'PASS' : 'OVER'} |`,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ quick: process.argv.includes('--quick') });
  console.log(fanoutTable(r));
}
