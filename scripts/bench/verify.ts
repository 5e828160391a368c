/**
 * Server-side code verification: latency of one verification with a cold child (Pyodide loaded on the critical
 * path, from the Pyodide memory snapshot; also without it for comparison) and a warm one (from the pool), p50/p95
 * (budget: p95 < 3 s for both), and a burst of parallel verifications on
 * this machine with the event-loop lag of the serving process during the burst next to the lag without it (the
 * children run on other processes; the serving loop must not notice them).
 * Standalone: `npx tsx scripts/bench/verify.ts [--quick]`; `npm run bench` runs it too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProblemBank } from '../../src/workspace/problems.js';
import { Verifier, type VerifyResult } from '../../src/workspace/verifier/verifier.js';

export const VERIFY_BUDGET_P95_MS = 3000;

export interface VerifyBenchResult {
  /** Making the Pyodide memory snapshot once (per machine and version; cached). */
  snapshotMakeMs: number;
  /** Cold start without the snapshot (Pyodide loaded in full), for comparison. */
  coldFull: { runs: number; p50Ms: number; p95Ms: number };
  cold: { runs: number; p50Ms: number; p95Ms: number };
  warm: { runs: number; p50Ms: number; p95Ms: number };
  burst: { parallel: number; concurrency: number; wallMs: number; perVerificationMs: number; verdicts: Record<string, number> };
  loopLag: { idleP99Ms: number; burstP99Ms: number };
  budgetP95Ms: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))]! : 0;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lagDuring(fn: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  await fn();
  h.disable();
  return h.percentile(99) / 1e6;
}

export async function run(opts: { quick?: boolean } = {}): Promise<VerifyBenchResult> {
  const bank = ProblemBank.load();
  const problem = bank.get('merge-intervals')!;
  const code = problem.reference;
  const coldRuns = opts.quick ? 3 : 6;
  const warmRuns = opts.quick ? 5 : 10;
  const parallel = opts.quick ? 6 : 10;

  // A private snapshot directory, so the one-time make is measured rather than found in the cache.
  const snapshotDir = await mkdtemp(join(tmpdir(), 'bench-verify-snap-'));
  const coldVerifier = new Verifier({ warm: 0, concurrency: 1, snapshotDir });
  const m0 = performance.now();
  if (!(await coldVerifier.snapshotReady())) throw new Error('the Pyodide snapshot could not be made here');
  const snapshotMakeMs = Math.round(performance.now() - m0);
  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) cold.push((await coldVerifier.verify({ code, problem })).durationMs);
  await coldVerifier.close();
  await rm(snapshotDir, { recursive: true, force: true });

  const coldFull: number[] = [];
  const fullVerifier = new Verifier({ warm: 0, concurrency: 1, snapshot: false });
  for (let i = 0; i < Math.min(3, coldRuns); i++) coldFull.push((await fullVerifier.verify({ code, problem })).durationMs);
  await fullVerifier.close();

  const warm: number[] = [];
  const warmVerifier = new Verifier({ warm: 1, concurrency: 1 });
  warmVerifier.prewarm();
  for (let i = 0; i < warmRuns; i++) {
    while (warmVerifier.stats.warm < 1) await sleep(50);
    const r = await warmVerifier.verify({ code, problem });
    warm.push(r.durationMs);
  }
  await warmVerifier.close();

  const idleP99Ms = await lagDuring(() => sleep(opts.quick ? 2000 : 4000));
  const concurrency = 2;
  const burstVerifier = new Verifier({ warm: 1, concurrency });
  burstVerifier.prewarm();
  while (burstVerifier.stats.warm < 1) await sleep(50);
  const verdicts: Record<string, number> = {};
  let wallMs = 0;
  const burstP99Ms = await lagDuring(async () => {
    const t0 = performance.now();
    const results: VerifyResult[] = await Promise.all(Array.from({ length: parallel }, () => burstVerifier.verify({ code, problem })));
    wallMs = Math.round(performance.now() - t0);
    for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  });
  await burstVerifier.close();

  return {
    snapshotMakeMs,
    coldFull: { runs: coldFull.length, p50Ms: pct(coldFull, 0.5), p95Ms: pct(coldFull, 0.95) },
    cold: { runs: coldRuns, p50Ms: pct(cold, 0.5), p95Ms: pct(cold, 0.95) },
    warm: { runs: warmRuns, p50Ms: pct(warm, 0.5), p95Ms: pct(warm, 0.95) },
    burst: { parallel, concurrency, wallMs, perVerificationMs: Math.round(wallMs / parallel), verdicts },
    loopLag: { idleP99Ms: Math.round(idleP99Ms * 10) / 10, burstP99Ms: Math.round(burstP99Ms * 10) / 10 },
    budgetP95Ms: VERIFY_BUDGET_P95_MS,
  };
}

export function verifyTable(r: VerifyBenchResult): string {
  const ok = (ms: number) => (ms < r.budgetP95Ms ? 'PASS' : 'OVER');
  return [
    'code verification (Pyodide in a fresh child process per run)',
    '| start | runs | p50 ms | p95 ms | budget p95 | |',
    '|---|---|---|---|---|---|',
    `| cold, Pyodide loaded in full (no snapshot; for comparison) | ${r.coldFull.runs} | ${r.coldFull.p50Ms} | ${r.coldFull.p95Ms} | — | |`,
    `| cold (child started for the run, from the snapshot) | ${r.cold.runs} | ${r.cold.p50Ms} | ${r.cold.p95Ms} | < ${r.budgetP95Ms} | ${ok(r.cold.p95Ms)} |`,
    `| warm (child from the pool) | ${r.warm.runs} | ${r.warm.p50Ms} | ${r.warm.p95Ms} | < ${r.budgetP95Ms} | ${ok(r.warm.p95Ms)} |`,
    '',
    `snapshot of a fresh Pyodide made once in ${r.snapshotMakeMs} ms (cached per machine and version)`,
    `burst: ${r.burst.parallel} verifications at once, ${r.burst.concurrency} running at a time: ${r.burst.wallMs} ms wall (${r.burst.perVerificationMs} ms each), verdicts ${JSON.stringify(r.burst.verdicts)}`,
    `serving event loop p99 lag: ${r.loopLag.idleP99Ms} ms idle, ${r.loopLag.burstP99Ms} ms during the burst`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ quick: process.argv.includes('--quick') });
  console.log(verifyTable(r));
}
