/**
 * npm run load -- [--profile smoke|full] [--calls N] [--duration S] [--find-max] [--levels 50,100,…] [--max N]
 *                 [--workers W] [--single] [--generators G] [--json] [--service-cpu-prof DIR] [--caller-cpu-prof DIR]
 *                 [--service-node-flags "--max-semi-space-size=32 …"] [--from-source] [--service-log FILE]
 *                 [--keep-going]   (find-max: run every level, also after one is over budget)
 *                 [--service-cpus 0 --rig-cpus 1]   (affinity experiment: service and rig on their own cores)
 *
 * Synthetic Twilio callers in separate processes against a real `screenline serve` (spawned here), provider
 * simulators in this process; prints per-phase figures and each ARCHITECTURE §8 budget with PASS/OVER.
 * The full profile (and --find-max) runs the service as it is certified: WEB_CONCURRENCY=2 (both cores) on a fresh
 * database in the local PostgreSQL with BullMQ on the local Redis. --single (the smoke default) runs one process on
 * embedded PGlite with the in-process queue. Exits 1 when a budget is over or the run had problems.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runLoad } from '../../src/sim/load/run-load.js';
import { FIND_MAX_LEVELS, findMaxLines, findMaxPhases, fullPhases, holds, loadReportLines, smokePhases } from '../../src/sim/load/report.js';

const require = createRequire(import.meta.url);
const USAGE = `usage: npm run load -- [options]
  --profile smoke|full      smoke: 3 calls, one process on PGlite; full (default): 100 calls, WEB_CONCURRENCY=2 on PostgreSQL + Redis
  --calls N                 peak concurrent calls (full: 100, smoke: 3)
  --duration S              seconds per phase (find-max: per level, default 30)
  --find-max                step through --levels and report the largest that holds every budget
  --levels 10,20,50,…       find-max levels;  --max N  drop levels above N
  --keep-going              find-max: run every level, also after one is over budget
  --workers W | --single    service processes (default: min(2, cores)) | one process on PGlite
  --generators G            caller processes (default: 1, 2 above 150 calls)
  --seed N                  the scripted callers' seed (default 1)
  --postgres URL --redis URL   where the full profile's database and queue are (LOAD_POSTGRES_URL, LOAD_REDIS_URL)
  --json                    the report as JSON
  --service-cpu-prof DIR --caller-cpu-prof DIR   V8 CPU profiles of the service / the callers
  --service-node-flags "…"  extra node flags for the service;  --from-source  run the service from src via tsx
  --service-env KEY=VALUE   a service setting over the harness's (repeatable), e.g. DEEPGRAM_BATCH_MS=0 for an A/B
  --service-log FILE        the service's log;  --service-cpus 0 --rig-cpus 1   pin service and rig to their own cores
Exits 1 when a budget is over or the run had problems; docs/operations/capacity.md reads the figures.
`;
let parsed: ReturnType<typeof parseLoadArgs>;
try {
  parsed = parseLoadArgs();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { values } = parsed;

function parseLoadArgs() {
  return parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      profile: { type: 'string', default: 'full' },
      calls: { type: 'string' },
      duration: { type: 'string' },
      'find-max': { type: 'boolean', default: false },
      levels: { type: 'string' },
      max: { type: 'string' },
      workers: { type: 'string' },
      single: { type: 'boolean' },
      generators: { type: 'string' },
      seed: { type: 'string', default: '1' },
      postgres: { type: 'string', default: process.env.LOAD_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      redis: { type: 'string', default: process.env.LOAD_REDIS_URL ?? 'redis://127.0.0.1:6379' },
      json: { type: 'boolean', default: false },
      'service-cpu-prof': { type: 'string' },
      'caller-cpu-prof': { type: 'string' },
      'service-node-flags': { type: 'string' },
      'service-env': { type: 'string', multiple: true },
      'from-source': { type: 'boolean', default: false },
      'service-log': { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      'service-cpus': { type: 'string' },
      'rig-cpus': { type: 'string' },
    },
  });
}

const smoke = values.profile === 'smoke';
if (!['smoke', 'full'].includes(values.profile)) {
  process.stderr.write(`--profile: smoke or full, not ${values.profile}\n\n${USAGE}`);
  process.exit(2);
}
const single = values.single ?? smoke;
const workers = single ? 1 : Number(values.workers ?? Math.min(2, cpus().length));
const calls = Number(values.calls ?? (smoke ? 3 : 100));
const durationMs = values.duration ? Number(values.duration) * 1000 : undefined;
const levels = (values.levels ? values.levels.split(',').map(Number) : FIND_MAX_LEVELS).filter((n) => n <= Number(values.max ?? Infinity));
const phases = values['find-max'] ? findMaxPhases(levels, durationMs ?? 30_000) : smoke ? smokePhases(calls, durationMs) : fullPhases(calls, durationMs);
const peak = Math.max(...phases.map((p) => p.target));
const generators = Number(values.generators ?? (peak > 150 ? 2 : 1));

// The service runs as the image runs it, from the compiled build (--from-source: through tsx, no build).
const serviceFrom = values['from-source'] ? 'src' : 'dist';
if (serviceFrom === 'dist') {
  process.stdout.write('load: building dist/ (tsc -p tsconfig.build.json)…\n');
  const built = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write('load: the build failed; fix it or run with --from-source\n');
    process.exit(2);
  }
}
process.stdout.write(`load: ${values['find-max'] ? `find-max over ${levels.join(', ')}` : `${values.profile} profile, ${calls} calls`}, ${workers} service process(es)\n`);
// A run that cannot start (a bad CPU list, no PostgreSQL) says why in one line; its stack is for LOAD_DEBUG=1.
const report = await runLoad({
  phases,
  workers,
  postgresUrl: single ? undefined : values.postgres,
  redisUrl: single ? undefined : values.redis,
  generators,
  callMaxMs: smoke ? 60_000 : 120_000,
  ttsMsPerChar: smoke ? 25 : 60,
  jobsWorker: !single,
  seed: Number(values.seed),
  serviceFrom,
  warmUpCalls: smoke ? 0 : 2 * workers,
  ...(values['service-log'] ? { serviceLogFile: values['service-log'] } : {}),
  ...(values['caller-cpu-prof'] ? { callerCpuProfileDir: values['caller-cpu-prof'] } : {}),
  ...(values['service-cpu-prof'] ? { serviceCpuProfileDir: values['service-cpu-prof'] } : {}),
  ...(values['service-node-flags'] ? { serviceNodeFlags: values['service-node-flags'].split(/\s+/).filter(Boolean) } : {}),
  ...(values['service-env'] ? { serviceEnv: serviceEnv(values['service-env']) } : {}),
  ...(values['service-cpus'] ? { serviceCpus: values['service-cpus'] } : {}),
  ...(values['rig-cpus'] ? { rigCpus: values['rig-cpus'] } : {}),
  onProgress: (line) => process.stdout.write(`  ${line}\n`),
  continueAfter: values['find-max']
    ? (p) => {
        const ok = holds(p);
        const next = values['keep-going'] ? 'going on (--keep-going)' : 'stopping';
        process.stdout.write(`  ${p.name}: ${ok ? 'within every budget' : `over a budget: ${next}`}\n`);
        return ok || values['keep-going'];
      }
    : undefined,
}).catch((err: unknown) => {
  process.stderr.write(`load: the run could not go on: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.LOAD_DEBUG === '1') process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
  process.exit(2);
});
const lines = values['find-max'] ? findMaxLines(report) : loadReportLines(report);
for (const line of lines) process.stdout.write(line + '\n');
if (values['find-max']) for (const line of loadReportLines(report).slice(-4)) process.stdout.write(line + '\n');
if (values.json) process.stdout.write(`LOAD_JSON ${JSON.stringify(report)}\n`);
process.exitCode = report.problems.length || (!values['find-max'] && !holds(report.overall)) ? 1 : 0;

/** `KEY=VALUE` pairs; a malformed one stops the run before anything starts. */
function serviceEnv(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!m) {
      process.stderr.write(`--service-env: KEY=VALUE with an upper-case key, not ${pair}\n`);
      process.exit(2);
    }
    out[m[1]!] = m[2]!;
  }
  return out;
}
