/**
 * The load run: the service in its own process (one, or a cluster primary and workers), synthetic Twilio callers in
 * one or more separate generator processes, and the vendor simulators in this process. The harness holds a target
 * number of concurrent calls through phases (ramp, 2× peak, spike from zero, soak; or the steps of --find-max),
 * starting calls as others end, and gathers what the callers measured, the service's /metrics (event-loop lag of
 * each worker) and its CPU and RSS from /proc, and the generators' own lag and CPU.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../lib/free-port.js';
import { LoadHistogram } from './histogram.js';
import { JITTER_WINDOW_MS, type CallResult, type FromCaller, type ToCaller } from './protocol.js';
import { startLoadProviders, type LoadProviders } from './providers.js';
import { coreWaitOver, groupSched, type CoreWaitFigures, type CoreWaitGroup, type CoreWaitSample } from './core-wait.js';
import { loopLagMs } from './loop-lag.js';
import { measureMachineSpeed, REFERENCE_INBOUND_FRAME } from './machine-speed.js';
import { startHopProbe, type HopProbe, type HopSample, type IdleSample } from './hop-probe.js';
import { callScript } from './scenario.js';
import { scrapeMetrics, startService, treeUsage, type MetricsSample, type ServiceFrom } from './service-process.js';
import { readServiceTurns, type ServiceTurn } from './service-turns.js';

export interface Phase {
  name: string;
  target: number;
  /** Time to go from the current count to `target` (calls start evenly over it). */
  rampMs: number;
  /** Then hold `target` this long. */
  holdMs: number;
  /** Hang every call up and wait for none to be live before the phase starts (a spike from 0). */
  fromZero?: boolean;
  /** Counts toward the budgets (the 2× peak does not: it is beyond the load being certified). */
  judged: boolean;
  /** Hold on past holdMs until this many turns were answered in the phase (at most maxHoldMs): the smoke test. */
  untilTurns?: number;
  maxHoldMs?: number;
}

export interface LoadOptions {
  phases: Phase[];
  /** Service processes (WEB_CONCURRENCY); > 1 needs databaseUrl (and redisUrl for jobs). */
  workers: number;
  /** Postgres server URL without a database; a fresh database is created for the run and dropped after. */
  postgresUrl?: string;
  redisUrl?: string;
  generators: number;
  /** A call hangs up after this long and a new one takes its place (churn). */
  callMaxMs: number;
  seed: number;
  /** Simulated voice speed (ms of audio per character); default 60, about natural speech. */
  ttsMsPerChar?: number;
  /** With a Redis queue, also run `screenline worker` (the jobs: scoring, reports, email) as its own process. */
  jobsWorker?: boolean;
  onProgress?: (line: string) => void;
  /** Write a CPU profile of every service process (web workers and the primary) into this directory on exit. */
  serviceCpuProfileDir?: string;
  /** Write a CPU profile of every caller process into this directory when it exits. */
  callerCpuProfileDir?: string;
  /** Extra Node/V8 flags for the service processes (GC experiments: `--max-semi-space-size=32`, `--trace-gc`). */
  serviceNodeFlags?: string[];
  /** Extra service configuration, over the harness's own (an A/B of one setting, e.g. DEEPGRAM_BATCH_MS=0). */
  serviceEnv?: Record<string, string>;
  /** Append everything the service processes print (logs, `--trace-gc`) to this file. */
  serviceLogFile?: string;
  /** Run the service from the compiled build (as the image does; the caller builds it first) or from source via tsx. */
  serviceFrom?: ServiceFrom;
  /** Calls run (and hung up) before the first phase and outside every figure, so per-process start-up is not counted. */
  warmUpCalls?: number;
  /**
   * CPU affinity experiments (Linux `taskset` lists, e.g. "0" and "1"): the service's processes (web and jobs) on
   * `serviceCpus`, this process and everything it forks (callers, simulators, the hop probe) on `rigCpus`. PostgreSQL
   * and Redis are not moved. Unset: the scheduler places everything, as in production.
   */
  serviceCpus?: string;
  rigCpus?: string;
  /** Asked after each phase that a from-zero phase follows (its calls have all ended): false stops the run. */
  continueAfter?: (phase: PhaseReport) => boolean;
}

export interface PhaseReport {
  name: string;
  target: number;
  judged: boolean;
  durationMs: number;
  peakActive: number;
  callsStarted: number;
  callsEnded: number;
  turns: number;
  /** Answer (and consent) turns with no recorded model draw (the transcript lost its tag, e.g. merged with a backchannel). */
  turnsUnmatched: number;
  turnOverhead: ReturnType<LoadHistogram['quantiles']>;
  /**
   * The same caller-clock overhead over the waits the simulators actually took (their own clock: intended wait plus
   * their timers' lateness and their process's pauses), for the turns whose three simulated legs were all tied to
   * it. Information, not the budget's verdict: the verdict stays on the intended waits.
   */
  turnOverheadOverActual: ReturnType<LoadHistogram['quantiles']>;
  /**
   * The same caller-clock overhead for the turns that began after the phase's ramp, when no call of the phase was
   * still being set up (churn replacements aside). Information: the verdict covers the whole phase, ramp included.
   */
  turnOverheadAfterRamp: ReturnType<LoadHistogram['quantiles']>;
  /** Per turn, how much later than intended the three simulators answered, together (the rig's share). */
  simulatorsLate: ReturnType<LoadHistogram['quantiles']>;
  /** The same, leg by leg. */
  simulatorsLateByLeg: { stt: ReturnType<LoadHistogram['quantiles']>; llm: ReturnType<LoadHistogram['quantiles']>; tts: ReturnType<LoadHistogram['quantiles']> };
  /**
   * The machine's floor beside the load (hop-probe.ts): four loopback WebSocket round trips chained between two
   * processes that do nothing else, the hops a turn crosses with no work in them.
   */
  hopFloor: ReturnType<LoadHistogram['quantiles']>;
  /**
   * The floor under the lag and jitter budgets: the hop probe's echo process (it does almost nothing) measured as
   * the service is, its worst window's lag p99 and max, and the lateness of a 20 ms timer armed as the pacer's is.
   */
  idleFloor: { lagP99Ms?: number; lagMaxMs?: number; timerLate: ReturnType<LoadHistogram['quantiles']> };
  /** Time each part of the run spent runnable but waiting for a core (core-wait.ts), and its CPU time. */
  coreWait: Partial<Record<CoreWaitGroup, CoreWaitFigures>>;
  callerStopToFirstAudio: ReturnType<LoadHistogram['quantiles']>;
  /**
   * The same turns on the service's clock (its `turn.metrics`; PostgreSQL runs only): STT final → first frame sent,
   * minus the model's draw and the TTS's simulated first byte; and the legs around it.
   */
  service?: {
    turnOverhead: ReturnType<LoadHistogram['quantiles']>;
    /** Caller's last voiced frame (service VAD) → STT final, minus endpointing and the STT's simulated delay. */
    sttLeg: ReturnType<LoadHistogram['quantiles']>;
    /** STT final → turn decided (the turn detector's wait). */
    turnDecision: ReturnType<LoadHistogram['quantiles']>;
    /** TTS request → first audio byte, minus the simulated first byte (loopback and the simulator's loop). */
    ttsLeg: ReturnType<LoadHistogram['quantiles']>;
    /** Turn decided → the model's first token, minus the simulator's draw (request build, HTTP, SDK stream parsing). */
    llmLeg: ReturnType<LoadHistogram['quantiles']>;
  };
  bargeIn: ReturnType<LoadHistogram['quantiles']>;
  bargeInNoClear: number;
  jitter: ReturnType<LoadHistogram['quantiles']>;
  /** Worst per-scrape p99 (and max) of any service process's event loop. */
  serviceLagP99Ms?: number;
  serviceLagMaxMs?: number;
  serviceCpuPercent?: number;
  serviceRssMb?: number;
  /** Peak RSS of the web processes (serve primary and workers) in the phase. */
  callRssPeakMb?: number;
  cpuPercentPerCall?: number;
  rssKbPerCall?: number;
  generatorLagP99Ms?: number;
  generatorCpuPercent?: number;
  harnessLagP99Ms?: number;
  outcomes: Record<string, number>;
  errors: string[];
}

export interface LoadReport {
  workers: number;
  serviceFrom: ServiceFrom;
  database: string;
  queue: string;
  generators: number;
  latencies: LoadProviders['latencies'];
  /** The inbound frame path's µs per frame in the harness, before the run and after it (machine-speed.ts). */
  machineSpeed: { beforeUs: number; afterUs: number; reference: { us: number; measuredOn: string } };
  subtractedNote: string;
  /** ElevenLabs requests by transport: HTTP, stream-input sockets opened, and those that carried a sentence. */
  ttsRequests: { http: number; ws: number; wsWithText: number };
  baselineRssMb: number;
  /** Of that, the serve primary and web workers (the per-call memory is their growth). */
  baselineCallRssMb: number;
  phases: PhaseReport[];
  /** The judged phases together. */
  overall: PhaseReport;
  serviceExitedCleanly: boolean;
  /** `screenline worker` (BullMQ jobs), mean CPU % of one core over the run, when it ran. */
  jobsWorkerCpuPercent?: number;
  durationMs: number;
  problems: string[];
}

interface Generator {
  child: ChildProcess;
  active: number;
  stats: { atEpochMs: number; lagP99Ms: number; cpuPercent: number }[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const started = Date.now();
  const log = opts.onProgress ?? (() => {});
  const problems: string[] = [];
  // First, so a bad CPU list fails the run before anything (simulators, data dir, database) needs cleaning up.
  if (opts.rigCpus) pinSelf(opts.rigCpus);
  // The machine's speed before anything of the run exists, and again once it is all gone (machine-speed.ts).
  const speedBeforeUs = measureMachineSpeed();
  const providers = await startLoadProviders(opts.seed, undefined, opts.ttsMsPerChar);
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-load-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authToken = 'load-auth-token';
  const apiToken = `sl_load_${randomBytes(8).toString('hex')}`;
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  if (opts.postgresUrl) {
    dbName = `screenline_load_${Date.now()}_${process.pid}`;
    await adminQuery(opts.postgresUrl, `create database ${dbName}`);
    const u = new URL(opts.postgresUrl);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    API_TOKEN: apiToken,
    TWILIO_AUTH_TOKEN: authToken,
    DRAIN_TIMEOUT_MS: '10000',
    DEEPGRAM_API_KEY: 'load',
    DEEPGRAM_URL: providers.deepgram.url,
    OPENAI_API_KEY: 'load',
    OPENAI_BASE_URL: providers.openai.baseUrl,
    OPENAI_FIRST_TOKEN_TIMEOUT_MS: String(providers.latencies.llmMaxMs + 1500),
    ELEVENLABS_API_KEY: 'load',
    ELEVENLABS_BASE_URL: providers.eleven.baseUrl,
    WEB_CONCURRENCY: String(opts.workers),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.serviceEnv,
  };
  if (opts.serviceEnv && Object.keys(opts.serviceEnv).length) log(`service configuration over the harness's: ${Object.entries(opts.serviceEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  log(`service: ${opts.workers} process(es) from ${opts.serviceFrom === 'dist' ? 'dist/ (compiled)' : 'src/ (tsx)'}, ${databaseUrl ? `PostgreSQL ${dbName}` : 'embedded PGlite'}, ${opts.redisUrl ? 'BullMQ on Redis' : 'in-process queue'}`);
  // Each process writes its profile when it exits after draining.
  const nodeFlags = [...(opts.serviceNodeFlags ?? []), ...(opts.serviceCpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.serviceCpuProfileDir}`] : [])];
  if (opts.serviceCpus || opts.rigCpus) log(`affinity: service on CPUs ${opts.serviceCpus ?? 'any'}, rig (callers, simulators, probe) on CPUs ${opts.rigCpus ?? 'any'}`);
  const cpus = opts.serviceCpus;
  const service = startService(env, 'serve', { nodeFlags, from: opts.serviceFrom, logFile: opts.serviceLogFile, ...(cpus ? { cpus } : {}) });
  // With BullMQ the jobs (scoring, reports, email) run in `screenline worker`, as in production.
  const jobs = opts.jobsWorker && opts.redisUrl ? startService(env, 'worker', { from: opts.serviceFrom, ...(cpus ? { cpus } : {}) }) : undefined;
  const generators: Generator[] = [];
  const results: CallResult[] = [];
  const starts: { atEpochMs: number }[] = [];
  const samples: { atEpochMs: number; cpuPercent: number; rssBytes: number; callRssBytes: number; active: number }[] = [];
  const metricSamples: MetricsSample[] = [];
  const harnessLag: { atEpochMs: number; p99: number }[] = [];
  const coreWaitSamples: CoreWaitSample[] = [];
  const jobSamples: { atEpochMs: number; cpuSec: number }[] = [];
  const timeline: { phase: Phase; startEpochMs: number; endEpochMs: number; peakActive: number }[] = [];
  let active = 0;
  let turnsAnswered = 0;
  let sampling = true;
  let serviceExitedCleanly = false;
  let serviceTurns: ServiceTurn[] | undefined;
  let probe: HopProbe | undefined;
  let baselineRssMb = 0;
  let baselineCallRssMb = 0;
  let baselineFromMs = Infinity;
  // The web processes' footprint without calls: V8 gives back the warm-up's garbage only later, so the lowest RSS
  // seen since the warm-up (never above the idle reading) is the baseline. Conservative: per-call figures only grow.
  const callBaseline = () => ({
    tree: baselineRssMb,
    calls: Math.min(baselineCallRssMb, ...samples.filter((x) => x.atEpochMs >= baselineFromMs).map((x) => x.callRssBytes / 1e6)),
  });
  try {
    await service.ready;
    await jobs?.ready;
    log(`service ready at ${url}`);
    // The floor is information: without it the run goes on, and the report says why its column is empty.
    probe = await startHopProbe({ from: opts.serviceFrom === 'dist' ? 'dist' : 'src' }).catch((err: unknown) => {
      problems.push(`the hop probe did not start: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    // The callers run from the same build as the service: through tsx each caller process carries the loader's
    // heap too, and its own event-loop lag is part of the jitter it measures.
    const callerEntry = opts.serviceFrom === 'dist'
      ? fileURLToPath(new URL('../../../dist/sim/load/caller-process.js', import.meta.url))
      : fileURLToPath(new URL('./caller-process.ts', import.meta.url));
    const callerExecArgv = [
      ...(opts.serviceFrom === 'dist' ? [] : ['--import', 'tsx']),
      ...(opts.callerCpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.callerCpuProfileDir}`] : []),
    ];
    for (let g = 0; g < Math.max(1, opts.generators); g++) {
      const child = fork(callerEntry, [], { execArgv: callerExecArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const gen: Generator = { child, active: 0, stats: [] };
      const ready = new Promise<void>((resolve, reject) => {
        child.on('message', (msg: FromCaller) => {
          if (msg.type === 'ready') resolve();
          else if (msg.type === 'turn') turnsAnswered++;
          else if (msg.type === 'result') {
            gen.active--;
            active--;
            providers.unregister(msg.result.callSid);
            results.push(msg.result);
            if (msg.result.outcome === 'failed' || msg.result.outcome === 'dropped') log(`  call ${msg.result.index} ${msg.result.outcome}: ${msg.result.error ?? ''}`);
          } else if (msg.type === 'stats') gen.stats.push({ atEpochMs: Date.now(), lagP99Ms: msg.lagP99Ms, cpuPercent: msg.cpuPercent });
        });
        child.once('exit', (code) => reject(new Error(`a caller process exited (${code}) before it was ready`)));
      });
      child.send({ type: 'init', serverUrl: url, authToken, apiToken } satisfies ToCaller);
      await ready;
      generators.push(gen);
    }

    // Samplers: the service's process tree (CPU, RSS), its /metrics (each worker's event loop), our own loop.
    const ownLag = monitorEventLoopDelay({ resolution: 10 });
    ownLag.enable();
    const sampler = (async () => {
      let last = await treeUsage(service.child.pid!);
      let lastAt = performance.now();
      let tick = 0;
      while (sampling) {
        await sleep(1000);
        const now = await treeUsage(service.child.pid!);
        const at = performance.now();
        samples.push({ atEpochMs: Date.now(), cpuPercent: ((now.cpuSec - last.cpuSec) / ((at - lastAt) / 1000)) * 100, rssBytes: now.rssBytes, callRssBytes: now.callRssBytes, active });
        const j = jobs?.child.pid ? await treeUsage(jobs.child.pid) : undefined;
        if (j) jobSamples.push({ atEpochMs: Date.now(), cpuSec: j.cpuSec });
        const groups: CoreWaitSample['groups'] = {
          web: await groupSched(now.callPids),
          callers: await groupSched(generators.map((g) => g.child.pid).filter((pid): pid is number => pid !== undefined)),
          simulators: await groupSched([process.pid]),
          ...(j ? { jobs: await groupSched(j.pids) } : {}),
        };
        coreWaitSamples.push({ atEpochMs: Date.now(), groups });
        last = now;
        lastAt = at;
        // Every 5 s, as a Prometheus would (it scrapes every 15 s): a scrape every second made its own garbage,
        // 250 KB of text per scrape, a tenth of what a worker allocated at 10 calls.
        if (tick % METRICS_EVERY_S === 0) {
          for (let w = 0; w < opts.workers; w++) {
            const m = await scrapeMetrics(url, apiToken);
            if (m) metricSamples.push(m);
          }
        }
        if (++tick % 2 === 0) {
          harnessLag.push({ atEpochMs: Date.now(), p99: loopLagMs(ownLag).p99Ms });
          ownLag.reset();
        }
      }
      ownLag.disable();
    })();
    let nextIndex = 0;
    const startCall = () => {
      const index = nextIndex++;
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      const script = callScript(index);
      providers.register(callSid, script);
      const gen = generators.reduce((a, b) => (b.active < a.active ? b : a));
      gen.active++;
      active++;
      starts.push({ atEpochMs: Date.now() });
      gen.child.send({ type: 'call', index, callSid, kinds: script.map((l) => l.kind), tags: script.map((l) => l.tag), maxDurationMs: opts.callMaxMs } satisfies ToCaller);
    };

    await sleep(1500);
    if (opts.warmUpCalls) {
      // What the first calls start once per process (the verifier pool, the document parser, JIT-compiled paths) is
      // not per-call memory or latency: run a few calls first, outside every phase window, then let the service settle.
      const n = opts.warmUpCalls;
      log(`warm-up: ${n} calls until each has answered twice, then hung up (not measured)`);
      const t0 = Date.now();
      const target = turnsAnswered + 2 * n;
      for (let i = 0; i < n; i++) startCall();
      while (turnsAnswered < target && Date.now() - t0 < 45_000) await sleep(100);
      for (const g of generators) g.child.send({ type: 'hangup_all' } satisfies ToCaller);
      while (active > 0 && Date.now() - t0 < 90_000) await sleep(100);
      const settleUntil = Date.now() + 30_000;
      while (Date.now() < settleUntil && !(samples.length >= 3 && samples.slice(-3).every((x) => x.cpuPercent < 15))) await sleep(500);
      log(`warm-up done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    // The idle footprint: the median of the last three samples.
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const now = await treeUsage(service.child.pid!);
    baselineRssMb = (median(samples.slice(-3).map((x) => x.rssBytes)) ?? now.rssBytes) / 1e6;
    baselineCallRssMb = (median(samples.slice(-3).map((x) => x.callRssBytes)) ?? now.callRssBytes) / 1e6;
    baselineFromMs = Date.now();

    for (const phase of opts.phases) {
      if (phase.fromZero && active > 0) {
        log(`${phase.name}: hanging up ${active} calls first`);
        for (const g of generators) g.child.send({ type: 'hangup_all' } satisfies ToCaller);
        const until = Date.now() + 60_000;
        while (active > 0 && Date.now() < until) await sleep(100);
        await sleep(1000);
        const prev = timeline.at(-1);
        // The hang-ups (and their results) belong to the phase they ended.
        if (prev) prev.endEpochMs = Date.now();
        if (prev && opts.continueAfter) {
          const levelTurns = databaseUrl ? await readServiceTurns(databaseUrl).catch(() => undefined) : undefined;
          const report = summarize([prev], results, starts, samples, metricSamples, generators.flatMap((g) => g.stats), harnessLag, providers, callBaseline(), { serviceTurns: levelTurns, hopSamples: probe?.samples ?? [], idleSamples: probe?.idle ?? [], coreWaitSamples });
          if (!opts.continueAfter(report)) break;
        }
      }
      const entry = { phase, startEpochMs: Date.now(), endEpochMs: 0, peakActive: active };
      timeline.push(entry);
      log(`${phase.name}: to ${phase.target} calls over ${Math.round(phase.rampMs / 1000)} s, hold ${Math.round(phase.holdMs / 1000)} s`);
      const from = active;
      const t0 = Date.now();
      const turnsAtStart = turnsAnswered;
      const holding = () => {
        const elapsed = Date.now() - t0;
        if (elapsed < phase.rampMs + phase.holdMs) return true;
        return phase.untilTurns !== undefined && turnsAnswered - turnsAtStart < phase.untilTurns && elapsed < (phase.maxHoldMs ?? 60_000);
      };
      while (holding()) {
        const f = phase.rampMs > 0 ? Math.min(1, (Date.now() - t0) / phase.rampMs) : 1;
        const want = Math.round(from + (phase.target - from) * f);
        // A few starts per tick at most, so churn replacement does not arrive as one burst.
        for (let k = 0; k < 10 && active < want; k++) startCall();
        entry.peakActive = Math.max(entry.peakActive, active);
        await sleep(50);
      }
      entry.endEpochMs = Date.now();
    }
    log(`done: hanging up ${active} calls`);
    for (const g of generators) g.child.send({ type: 'exit' } satisfies ToCaller);
    const until = Date.now() + 60_000;
    while (active > 0 && Date.now() < until) await sleep(100);
    if (active > 0) problems.push(`${active} calls never reported a result`);
    const last = timeline.at(-1);
    if (last) last.endEpochMs = Date.now() + 1;
    sampling = false;
    await sampler;
  } catch (err) {
    problems.push(`run aborted: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    sampling = false;
    for (const g of generators) if (g.child.connected) g.child.kill();
    await probe?.stop();
    serviceExitedCleanly = await service.stop();
    if (jobs && !(await jobs.stop())) problems.push(`the jobs worker did not exit 0 on SIGTERM: ${jobs.output().slice(-800)}`);
    if (!serviceExitedCleanly) problems.push(`the service did not drain and exit 0 on SIGTERM; its last output:\n${service.output().slice(-1500)}`);
    await providers.close();
    await rm(dataDir, { recursive: true, force: true });
    if (databaseUrl) {
      serviceTurns = await readServiceTurns(databaseUrl).catch((err: unknown) => {
        problems.push(`could not read the service's turn metrics: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
    }
    if (opts.postgresUrl && dbName) await adminQuery(opts.postgresUrl, `drop database if exists ${dbName} with (force)`).catch(() => undefined);
  }

  const speedAfterUs = measureMachineSpeed();
  const genStats = generators.flatMap((g) => g.stats);
  const ctx = { serviceTurns, hopSamples: probe?.samples ?? [], idleSamples: probe?.idle ?? [], coreWaitSamples };
  const baseline = callBaseline();
  const phases = timeline.map((t) =>
    summarize([t], results, starts, samples, metricSamples, genStats, harnessLag, providers, baseline, ctx),
  );
  const judged = timeline.filter((t) => t.phase.judged);
  const overall = summarize(judged, results, starts, samples, metricSamples, genStats, harnessLag, providers, baseline, ctx);
  overall.name = 'budgets (judged phases)';
  const L = providers.latencies;
  return {
    workers: opts.workers,
    serviceFrom: opts.serviceFrom ?? 'src',
    database: opts.postgresUrl ? 'PostgreSQL (fresh database)' : 'embedded PGlite',
    queue: opts.redisUrl ? 'BullMQ on Redis' : 'in-process',
    generators: generators.length,
    latencies: L,
    ttsRequests: { ...providers.eleven.counts },
    machineSpeed: { beforeUs: speedBeforeUs, afterUs: speedAfterUs, reference: REFERENCE_INBOUND_FRAME },
    subtractedNote: `endpointing ${ENDPOINTING_MS} ms + STT ${L.sttFinalMs} ms + model (log-normal, median ${L.llmMedianMs} ms, drawn per turn) + TTS ${L.ttsFirstByteMs} ms`,
    baselineRssMb: Math.round(baselineRssMb),
    baselineCallRssMb: Math.round(baseline.calls),
    phases,
    overall,
    serviceExitedCleanly,
    jobsWorkerCpuPercent:
      jobSamples.length > 1 ? Math.round(((jobSamples.at(-1)!.cpuSec - jobSamples[0]!.cpuSec) / ((jobSamples.at(-1)!.atEpochMs - jobSamples[0]!.atEpochMs) / 1000)) * 1000) / 10 : undefined,
    durationMs: Date.now() - started,
    problems,
  };
}

/** How often the service's /metrics is scraped (each worker's event-loop lag p99 covers the time since its last scrape). */
const METRICS_EVERY_S = 5;

/** The service's Deepgram endpointing (DEEPGRAM_ENDPOINTING_MS default): the silence the STT waits for, by design. */
export const ENDPOINTING_MS = 300;

function summarize(
  windows: { phase: Phase; startEpochMs: number; endEpochMs: number; peakActive: number }[],
  results: CallResult[],
  starts: { atEpochMs: number }[],
  samples: { atEpochMs: number; cpuPercent: number; rssBytes: number; callRssBytes: number; active: number }[],
  metrics: MetricsSample[],
  genStats: { atEpochMs: number; lagP99Ms: number; cpuPercent: number }[],
  harnessLag: { atEpochMs: number; p99: number }[],
  providers: LoadProviders,
  baseline: { tree: number; calls: number },
  ctx: { serviceTurns: ServiceTurn[] | undefined; hopSamples: HopSample[]; idleSamples: IdleSample[]; coreWaitSamples: CoreWaitSample[] },
): PhaseReport {
  const inside = (at: number) => windows.some((w) => at >= w.startEpochMs && at < w.endEpochMs);
  // After the ramp: no call of the phase is still being set up (churn replacements aside).
  const afterRamp = (at: number) => windows.some((w) => at >= w.startEpochMs + w.phase.rampMs && at < w.endEpochMs);
  const overhead = new LoadHistogram();
  const overheadHold = new LoadHistogram();
  const overheadActual = new LoadHistogram();
  const simLate = new LoadHistogram();
  const legLate = { stt: new LoadHistogram(), llm: new LoadHistogram(), tts: new LoadHistogram() };
  const e2e = new LoadHistogram();
  const barge = new LoadHistogram();
  const jitter = new LoadHistogram();
  const L = providers.latencies;
  let turns = 0;
  let unmatched = 0;
  let noClear = 0;
  const outcomes: Record<string, number> = {};
  const errors: string[] = [];
  for (const r of results) {
    for (const t of r.turns) {
      if (t.kind === 'barge_in' || !inside(t.stoppedAtEpochMs)) continue;
      turns++;
      e2e.record(t.e2eMs);
      const drawn = providers.llmDrawnMs.get(t.tag);
      if (drawn === undefined) unmatched++;
      else {
        overhead.record(t.e2eMs - (ENDPOINTING_MS + L.sttFinalMs + drawn + L.ttsFirstByteMs));
        if (afterRamp(t.stoppedAtEpochMs)) overheadHold.record(t.e2eMs - (ENDPOINTING_MS + L.sttFinalMs + drawn + L.ttsFirstByteMs));
      }
      const a = providers.actualMs.get(t.tag);
      if (drawn !== undefined && a?.stt !== undefined && a.llm !== undefined && a.tts !== undefined) {
        overheadActual.record(t.e2eMs - (ENDPOINTING_MS + a.stt + a.llm + a.tts));
        simLate.record(a.stt - L.sttFinalMs + (a.llm - drawn) + (a.tts - L.ttsFirstByteMs));
        legLate.stt.record(a.stt - L.sttFinalMs);
        legLate.llm.record(a.llm - drawn);
        legLate.tts.record(a.tts - L.ttsFirstByteMs);
      }
    }
    for (const b of r.bargeIns) {
      if (!inside(b.atEpochMs)) continue;
      if (b.onsetToClearMs === undefined) noClear++;
      else barge.record(b.onsetToClearMs);
    }
    for (const j of r.jitter) if (inside(j.window * JITTER_WINDOW_MS + JITTER_WINDOW_MS / 2)) jitter.merge(j.hist);
    if (inside(r.endedAtEpochMs)) {
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (r.error && errors.length < 8) errors.push(`call ${r.index}: ${r.error}`);
      if (r.protocolErrors) outcomes.protocol_errors = (outcomes.protocol_errors ?? 0) + r.protocolErrors;
    }
  }
  let service: PhaseReport['service'];
  if (ctx.serviceTurns) {
    const h = { turnOverhead: new LoadHistogram(), sttLeg: new LoadHistogram(), turnDecision: new LoadHistogram(), ttsLeg: new LoadHistogram(), llmLeg: new LoadHistogram() };
    for (const t of ctx.serviceTurns) {
      if (!inside(t.atEpochMs)) continue;
      h.sttLeg.record(t.sttFinalMs - (ENDPOINTING_MS + L.sttFinalMs));
      h.turnDecision.record(t.endOfTurnMs - t.sttFinalMs);
      if (t.ttsFirstByteMs !== undefined) h.ttsLeg.record(t.ttsFirstByteMs - L.ttsFirstByteMs);
      const drawn = t.tag === undefined ? undefined : providers.llmDrawnMs.get(t.tag);
      if (drawn !== undefined && t.firstFrameMs !== undefined) h.turnOverhead.record(t.firstFrameMs - t.sttFinalMs - drawn - L.ttsFirstByteMs);
      if (drawn !== undefined && t.llmFirstTokenMs !== undefined) h.llmLeg.record(t.llmFirstTokenMs - drawn);
    }
    service = { turnOverhead: h.turnOverhead.quantiles(), sttLeg: h.sttLeg.quantiles(), turnDecision: h.turnDecision.quantiles(), ttsLeg: h.ttsLeg.quantiles(), llmLeg: h.llmLeg.quantiles() };
  }
  const inS = samples.filter((s) => inside(s.atEpochMs));
  const busy = inS.filter((s) => s.active > 0);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  const cpu = mean(busy.map((s) => s.cpuPercent));
  const meanActive = mean(busy.map((s) => s.active));
  const peakRss = inS.length ? Math.max(...inS.map((s) => s.rssBytes)) / 1e6 : undefined;
  const peakCallRss = inS.length ? Math.max(...inS.map((s) => s.callRssBytes)) / 1e6 : undefined;
  const peakActive = Math.max(0, ...windows.map((w) => w.peakActive));
  const inM = metrics.filter((m) => inside(m.atEpochMs));
  const inG = genStats.filter((g) => inside(g.atEpochMs));
  const inH = harnessLag.filter((h) => inside(h.atEpochMs));
  const hopFloor = new LoadHistogram();
  for (const h of ctx.hopSamples) if (inside(h.atEpochMs)) hopFloor.record(h.chainMs);
  const inI = ctx.idleSamples.filter((s) => inside(s.atEpochMs));
  const idleTimerLate = new LoadHistogram();
  for (const s of inI) for (const ms of s.timerLateMs) idleTimerLate.record(ms);
  const max = (xs: number[]) => (xs.length ? Math.round(Math.max(...xs) * 10) / 10 : undefined);
  const r1 = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10);
  return {
    name: windows.map((w) => w.phase.name).join(' + '),
    target: Math.max(0, ...windows.map((w) => w.phase.target)),
    judged: windows.every((w) => w.phase.judged),
    durationMs: windows.reduce((s, w) => s + (w.endEpochMs - w.startEpochMs), 0),
    peakActive,
    callsStarted: starts.filter((s) => inside(s.atEpochMs)).length,
    callsEnded: results.filter((r) => inside(r.endedAtEpochMs)).length,
    turns,
    turnsUnmatched: unmatched,
    turnOverhead: overhead.quantiles(),
    turnOverheadAfterRamp: overheadHold.quantiles(),
    turnOverheadOverActual: overheadActual.quantiles(),
    simulatorsLate: simLate.quantiles(),
    simulatorsLateByLeg: { stt: legLate.stt.quantiles(), llm: legLate.llm.quantiles(), tts: legLate.tts.quantiles() },
    hopFloor: hopFloor.quantiles(),
    idleFloor: { lagP99Ms: max(inI.map((s) => s.lagP99Ms)), lagMaxMs: max(inI.map((s) => s.lagMaxMs)), timerLate: idleTimerLate.quantiles() },
    coreWait: coreWaitOver(windows.map((w) => ctx.coreWaitSamples.filter((c) => c.atEpochMs >= w.startEpochMs && c.atEpochMs < w.endEpochMs))),
    callerStopToFirstAudio: e2e.quantiles(),
    ...(service ? { service } : {}),
    bargeIn: barge.quantiles(),
    bargeInNoClear: noClear,
    jitter: jitter.quantiles(),
    serviceLagP99Ms: max(inM.map((m) => m.lagP99Ms)),
    serviceLagMaxMs: max(inM.map((m) => m.lagMaxMs)),
    serviceCpuPercent: r1(cpu),
    serviceRssMb: r1(peakRss),
    cpuPercentPerCall: cpu !== undefined && meanActive ? Math.round((cpu / meanActive) * 100) / 100 : undefined,
    // The processes that hold calls (serve primary and web workers), not their helper children: see treeUsage.
    callRssPeakMb: r1(peakCallRss),
    rssKbPerCall: peakCallRss !== undefined && peakActive > 0 ? Math.round(((peakCallRss - baseline.calls) * 1000) / peakActive) : undefined,
    generatorLagP99Ms: max(inG.map((g) => g.lagP99Ms)),
    generatorCpuPercent: max(inG.map((g) => g.cpuPercent)),
    harnessLagP99Ms: max(inH.map((h) => h.p99)),
    outcomes,
    errors,
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Pins every thread of this process (and what it forks from now on) to `cpus`; throws with taskset's own message. */
function pinSelf(cpus: string): void {
  const res = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { encoding: 'utf8' });
  if (res.error || res.status !== 0) throw new Error(`taskset -c ${cpus} failed: ${res.error?.message ?? res.stderr.trim()}`);
}
