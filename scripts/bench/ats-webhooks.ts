/**
 * ATS webhook burst: 1,000 signed deliveries (Greenhouse and generic, alternating) against the real app listening
 * on loopback, sent over HTTP (fetch/undici) with a fixed number in flight, plus redeliveries of 10% of them.
 * Measures the answer time as the sender sees it (budget p99 < 100 ms) and then checks, once the `ats.process`
 * jobs have drained, that every delivery made exactly one interview: none lost, none duplicated.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openStore, PGLITE_MEMORY_URL } from '../../src/store/store.js';
import { createLogger } from '../../src/lib/logger.js';
import { freePort } from '../../src/lib/free-port.js';
import { rowsOf } from '../../src/store/db.js';
import { startSimulation } from '../../src/sim/local-mode.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import type { JobHandler, JobQueue, ProcessOptions } from '../../src/jobs/queue.js';

/**
 * The production split (web process answers, `screenline worker` runs the jobs) on one machine: the in-process
 * queue with its consumers attached only after the burst, so the answer time is the web process's own.
 */
class DeferredConsumers implements JobQueue {
  readonly kind = 'in-process' as const;
  private held: [string, JobHandler, ProcessOptions | undefined][] = [];
  private live = false;
  constructor(private readonly inner: InProcessQueue) {}
  describe() {
    return this.inner.describe();
  }
  enqueue<T>(name: string, data: T, opts?: Parameters<JobQueue['enqueue']>[2]) {
    return this.inner.enqueue(name, data, opts);
  }
  process<T>(name: string, handler: JobHandler<T>, opts?: ProcessOptions) {
    if (this.live) this.inner.process(name, handler, opts);
    else this.held.push([name, handler as JobHandler, opts]);
  }
  startConsumers() {
    this.live = true;
    for (const [n, h, o] of this.held) this.inner.process(n, h, o);
    this.held = [];
  }
  close(timeoutMs?: number) {
    return this.inner.close(timeoutMs);
  }
}
import { summarize, type Summary } from './stats.js';
import { judge, table } from './report.js';
import { GENERIC_SECRET, GREENHOUSE_SECRET, type SenderInput, type SenderOutput } from './ats-sender.js';

export const ATS_BUDGETS = { answerP99Ms: 100 };

export interface AtsBenchResult {
  /** Jobs ran in the answering process during the burst (local mode), or only after it (the worker split). */
  jobsDuringBurst: boolean;
  database: 'pglite' | 'postgres';
  deliveries: number;
  redeliveries: number;
  inFlight: number;
  answer: Summary;
  statuses: Record<string, number>;
  throughputPerSec: number;
  drainMs: number;
  /** The sending process's own event-loop delay p99 (ms): high means the sender, not the service, set the pace. */
  senderLagP99Ms: number;
  interviews: number;
  lost: number;
  duplicated: number;
}

const GH = GREENHOUSE_SECRET;
const GEN = GENERIC_SECRET;
const root = new URL('../../', import.meta.url).pathname;

/** Runs the burst from a child process (the vendor's side), so its own work never shares the measured event loop. */
function sendFromChild(input: SenderInput): Promise<SenderOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/ats-sender.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as SenderOutput) : reject(new Error(`the webhook sender exited ${code}`))));
    child.stdin.end(JSON.stringify(input));
  });
}

const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throw-away PostgreSQL database when the loopback server answers (the production store), else null. */
async function scratchPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `bench_ats_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The answering process's CPU profile over the burst only (open the file in Chrome DevTools or speedscope). */
async function startProfile(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((res, rej) => session.post(method, (err, result) => (err ? rej(err) : res(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      await writeFile(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

export async function run(opts: { quick?: boolean; deliveries?: number; inFlight?: number; jobsDuringBurst?: boolean; cpuProfilePath?: string } = {}): Promise<AtsBenchResult> {
  const n = opts.deliveries ?? (opts.quick ? 300 : 1000);
  const inFlight = opts.inFlight ?? 50;
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-bench-ats-'));
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    API_TOKEN: 'sl_bench_token_0123456789',
    GREENHOUSE_WEBHOOK_SECRET: GH,
    SCREENLINE_WEBHOOK_SECRET: GEN,
    // One sender address sends the whole burst: the per-IP limit would refuse most of it.
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
  });
  // PostgreSQL when there is one (what production runs on); embedded PGlite serialises every query behind the jobs'.
  const pgdb = await scratchPostgres();
  const store = await openStore({ databaseUrl: pgdb?.url ?? PGLITE_MEMORY_URL, dataDir });
  const log = createLogger('silent');
  const simulation = await startSimulation(config, log);
  const queue = new DeferredConsumers(new InProcessQueue(log));
  if (opts.jobsDuringBurst) queue.startConsumers();
  const app = await buildApp(config, { store, simulation, logger: log, queue });
  await app.listen({ port, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;
  try {
    // Warm-up outside the measurement (the route, the signature path, the database pool's connections): valid
    // deliveries, counted in the lost/duplicated check below.
    const WARM = 50;
    const plan = [...Array.from({ length: n }, (_, i) => i), ...Array.from({ length: Math.round(n / 10) }, (_, k) => k * 10)];
    const profiler = opts.cpuProfilePath ? await startProfile() : undefined;
    const { times, statuses, burstMs, senderLagP99Ms } = await sendFromChild({ base, plan, inFlight, warm: Array.from({ length: WARM }, (_, k) => n + 1000 + k) });
    if (profiler) await profiler.stop(opts.cpuProfilePath!);
    queue.startConsumers();

    // Every accepted delivery must end as one interview once the jobs drain.
    const drainStart = performance.now();
    for (;;) {
      const pending = rowsOf<{ n: number }>(await store.db.execute(sql`select count(*)::int as n from ats_deliveries where status = 'received'`))[0]!.n;
      if (pending === 0 || performance.now() - drainStart > 600_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const drainMs = performance.now() - drainStart;
    const q = async (text: string) => rowsOf<{ n: number }>(await store.db.execute(sql.raw(text)))[0]!.n;
    const deliveries = await q(`select count(*)::int as n from ats_deliveries`);
    const interviews = await q(`select count(*)::int as n from interviews`);
    const links = await q(`select count(*)::int as n from ats_applications`);
    return {
      jobsDuringBurst: opts.jobsDuringBurst === true,
      database: store.kind,
      deliveries: n,
      redeliveries: plan.length - n,
      inFlight,
      answer: summarize(times),
      statuses,
      throughputPerSec: Math.round((plan.length / burstMs) * 1000),
      drainMs: Math.round(drainMs),
      senderLagP99Ms: Math.round(senderLagP99Ms * 10) / 10,
      interviews: interviews - WARM,
      lost: Math.max(0, n + WARM - Math.min(deliveries, links)),
      duplicated: Math.max(0, deliveries - n - WARM) + Math.max(0, interviews - links),
    };
  } finally {
    await app.close();
    await queue.close(5000);
    await simulation.close();
    await store.close();
    await pgdb?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const f = (x: number | undefined) => (x === undefined ? undefined : x.toFixed(1));

export function atsTable(r: AtsBenchResult): string {
  const ok = r.lost === 0 && r.duplicated === 0;
  return table(
    `ATS webhooks (scripts/bench/ats-webhooks.ts, ${r.database}, ${r.jobsDuringBurst ? 'jobs running in the same process during the burst' : 'jobs consumed after the burst, as by screenline worker'}): ${r.deliveries} signed deliveries + ${r.redeliveries} redeliveries, ${r.inFlight} in flight over HTTP; answers ${Object.entries(r.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')}`,
    ['benchmark', 'n', 'p50 ms', 'p99 ms', 'max ms', 'budget', 'status'],
    [
      ['webhook answer time (verify, dedup insert, enqueue)', r.answer.n, f(r.answer.p50), f(r.answer.p99), f(r.answer.max), `p99 < ${ATS_BUDGETS.answerP99Ms} ms`, judge(r.answer.p99, ATS_BUDGETS.answerP99Ms)],
      [`throughput ${r.throughputPerSec}/s; jobs drained ${(r.drainMs / 1000).toFixed(1)} s after the burst; sender (own process) lag p99 ${r.senderLagP99Ms} ms`, '', '', '', '', '', 'info'],
      [`interviews ${r.interviews}, lost ${r.lost}, duplicated ${r.duplicated}`, '', '', '', '', 'none lost or duplicated', ok ? 'PASS' : 'OVER'],
    ],
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const quick = process.argv.includes('--quick');
  // --cpu-prof-burst FILE: the answering process's CPU profile over the first run's burst.
  const profileAt = process.argv.indexOf('--cpu-prof-burst');
  run({ quick, ...(profileAt > 0 && process.argv[profileAt + 1] ? { cpuProfilePath: process.argv[profileAt + 1] } : {}) })
    .then(async (r) => {
      console.log(atsTable(r));
      console.log(atsTable(await run({ quick, jobsDuringBurst: true })));
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
