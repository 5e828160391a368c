/**
 * Voice-pipeline benchmark: N concurrent simulated calls in one process, each a real CallSession + Conversation
 * (VAD, STT send path, turn detection, agent streaming, sentence chunking, TTS, pacer, barge-in) against simulated
 * providers with exactly known latencies (sim-providers.ts). Measures, over a window after a ramp-up:
 *
 *   turn overhead   (first agent frame sent − caller's last speech frame sent) − (STT + agent + TTS latencies)
 *   barge-in        speech onset in the inbound audio → `clear` sent
 *   jitter          outbound frame send time − the pacer's schedule
 *   event-loop lag  perf_hooks.monitorEventLoopDelay
 *   memory per call (RSS / heap after GC with N calls − before any call) / N
 *
 * Run one level alone: `npx tsx scripts/bench/voice-pipeline.ts --calls 50 --seconds 20` (prints JSON).
 * scripts/bench/run.ts runs each level in a fresh child process (`--child`), so levels do not share heap or JIT state.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sleep } from '../../src/lib/abort.js';
import { SimCall, type BenchSinks, type CallScenario } from './sim-call.js';
import { DEFAULT_LATENCIES, type SimLatencies, type TurnTrace } from './sim-providers.js';
import { MsHistogram, round2, summarize, type Summary } from './stats.js';

export interface PipelineOptions {
  calls: number;
  /** Measurement window. */
  measureMs: number;
  /** Call starts are spread evenly over this. */
  staggerMs: number;
  /** After the last call starts, before measuring. */
  settleMs: number;
  /** A few throw-away calls before the memory baseline, to warm the JIT. */
  warmupMs: number;
  /** After the window: turns that ended inside it get this long to produce their first frame. */
  drainMs?: number;
  latencies: SimLatencies;
  scenario?: Partial<Omit<CallScenario, 'latencies'>>;
  /**
   * Server-side code verifications running back to back through the measurement window, `concurrency` at a time,
   * in this process's Verifier (Pyodide children): the voice figures with the workspace's heaviest work beside them.
   */
  verificationBurst?: { concurrency: number };
  onProgress?: (p: { phase: string; elapsedMs: number; totalMs: number }) => void;
}

export interface TurnBreakdown {
  /** Simulated STT timer lateness (final − stop − sttFinalMs). */
  sttLate: Summary;
  /** Final transcript → agent.respond() called: the core's turn decision. */
  turnDecision: Summary;
  agentLate: Summary;
  /** First sentence yielded → TTS synthesize() called: chunker, sentence buffer, player. */
  sentenceToTts: Summary;
  ttsLate: Summary;
  /** TTS first chunk yielded → first frame sent: player + pacer + transport. */
  chunkToFrame: Summary;
  /** Our code's stages only: turnDecision + sentenceToTts + chunkToFrame. */
  coreOnly: Summary;
}

export interface PipelineResult {
  calls: number;
  measureMs: number;
  latencies: SimLatencies;
  /** What is subtracted from each caller-stopped → first-frame time. */
  subtractedMs: number;
  turns: { overhead: Summary; bargedInOverhead: Summary; callerStopToFirstFrame: Summary; coreFirstFrameMetric: Summary; missed: number; breakdown: TurnBreakdown };
  bargeIn: { onsetToClear: Summary; coreOnsetToClearMetric: Summary; noClear: number };
  jitter: Summary;
  eventLoopLag: Summary;
  /** Garbage-collection pauses during the window (a cause of lag and jitter spikes). */
  gcPauses: { count: number; totalMs: number; maxMs: number };
  memory: { baselineRssMb: number; rssMb: number; rssPerCallKb: number; heapPerCallKb: number; externalPerCallKb: number; gc: boolean };
  cpuPercent: number;
  /** 1-minute load average of the machine when measuring started and ended (other work shares the 2 cores). */
  hostLoad: { start: number; end: number };
  framesSent: number;
  /** With `verificationBurst`: verifications finished inside the window, and their verdicts. */
  verifications?: { concurrency: number; done: number; verdicts: Record<string, number> };
  errors: string[];
}

const SCENARIO: Omit<CallScenario, 'latencies'> = {
  speakMs: 1500,
  bargeInEvery: 3,
  bargeInAfterMs: 1200,
  bargeInSpeakMs: 1000,
  thinkMs: 400,
  replyTimeoutMs: 10_000,
};

function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** Full GCs with pauses between, so V8 can return freed pages before RSS is read (RSS still drifts by MBs). */
async function collect(gc: (() => void) | undefined): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(300);
  }
  gc?.();
  return process.memoryUsage();
}

/** monitorEventLoopDelay records the time between its timer's runs, so the lag is that minus the resolution. */
const LAG_RESOLUTION_MS = 10;

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const gc = getGc();
  const scenario: CallScenario = { ...SCENARIO, ...opts.scenario, latencies: opts.latencies };
  const jitter = new MsHistogram();
  const sinks: BenchSinks = { recording: false, jitter: (ms) => jitter.record(ms) };
  const t0 = performance.now();
  const drainMs = opts.drainMs ?? 2500;
  const totalMs = opts.warmupMs + opts.staggerMs + opts.settleMs + opts.measureMs + drainMs;
  const progress = (phase: string) => opts.onProgress?.({ phase, elapsedMs: performance.now() - t0, totalMs });

  // Warm-up: a few calls, thrown away, so the baseline includes compiled code and module state.
  progress('warmup');
  const warm = Array.from({ length: Math.min(opts.calls, 5) }, (_, i) => new SimCall(-1 - i, { ...scenario, thinkMs: 50 }, sinks));
  warm.forEach((c) => c.start());
  await sleep(opts.warmupMs);
  await Promise.all(warm.map((c) => c.end()));
  const baseline = await collect(gc);

  progress('ramp-up');
  const calls: SimCall[] = [];
  for (let i = 0; i < opts.calls; i++) {
    const call = new SimCall(i, scenario, sinks);
    calls.push(call);
    // Spread starts over the ramp-up, and their 20 ms frame phases evenly (golden-ratio steps): real calls' media
    // streams are independent, and a stagger that is a multiple of 20 ms would line every call's frames up.
    const phaseMs = ((i * 0.6180339887) % 1) * 20;
    setTimeout(() => call.start(), (i * opts.staggerMs) / opts.calls + phaseMs);
  }
  await sleep(opts.staggerMs + opts.settleMs);

  const burst = opts.verificationBurst ? await startVerificationBurst(opts.verificationBurst.concurrency) : undefined;
  progress('measuring');
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  const gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcPauses.count++;
      gcPauses.totalMs += e.duration;
      gcPauses.maxMs = Math.max(gcPauses.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const loadStart = loadavg()[0]!;
  const measureStart = performance.now();
  sinks.recording = true;
  const ticker = setInterval(() => progress('measuring'), 1000);
  await sleep(opts.measureMs);
  clearInterval(ticker);
  sinks.recording = false;
  const measureEnd = performance.now();
  const verifications = burst ? await burst.stop() : undefined;
  const cpu = process.cpuUsage(cpu0);
  const loadEnd = loadavg()[0]!;
  lag.disable();
  gcObserver.disconnect();
  calls.forEach((c) => c.stopTurns());
  const atLoad = await collect(gc);

  // Let turns that ended inside the window finish, then hang up.
  progress('draining');
  await sleep(drainMs);
  await Promise.all(calls.map((c) => c.end()));

  const inWindow = (at: number) => at >= measureStart && at <= measureEnd;
  const traces = calls.flatMap((c) => c.traces.filter((t) => inWindow(t.stopAt)));
  const done = traces.filter((t): t is Required<TurnTrace> => t.firstFrameAt !== undefined && t.firstChunkAt !== undefined);
  const L = opts.latencies;
  const subtractedMs = L.sttFinalMs + L.agentFirstSentenceMs + L.ttsFirstByteMs;
  const overhead = (t: TurnTrace) => t.firstFrameAt! - t.stopAt - subtractedMs;
  const coreFirstFrame = calls.flatMap((c) => c.traces.filter((t) => inWindow(t.stopAt) && t.replyId).map((t) => c.coreFirstFrameMs.get(t.replyId!))).filter((v): v is number => v !== undefined);
  const barges = calls.flatMap((c) => c.bargeIns.filter((b) => inWindow(b.onsetAt)));
  const lagMs = (ns: number) => round2(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS));
  const mb = (bytes: number) => round2(bytes / 2 ** 20);
  const perCallKb = (delta: number) => Math.round(delta / 1024 / opts.calls);
  const ofDone = (f: (t: Required<TurnTrace>) => number) => summarize(done.map(f));

  return {
    calls: opts.calls,
    measureMs: Math.round(measureEnd - measureStart),
    latencies: L,
    subtractedMs,
    turns: {
      overhead: summarize(done.filter((t) => !t.bargedIn).map(overhead)),
      bargedInOverhead: summarize(done.filter((t) => t.bargedIn).map(overhead)),
      callerStopToFirstFrame: ofDone((t) => t.firstFrameAt - t.stopAt),
      coreFirstFrameMetric: summarize(coreFirstFrame),
      missed: traces.length - done.length,
      breakdown: {
        sttLate: ofDone((t) => t.sttFinalAt - t.stopAt - L.sttFinalMs),
        turnDecision: ofDone((t) => t.respondAt - t.sttFinalAt),
        agentLate: ofDone((t) => t.firstSentenceAt - t.respondAt - L.agentFirstSentenceMs),
        sentenceToTts: ofDone((t) => t.synthAt - t.firstSentenceAt),
        ttsLate: ofDone((t) => t.firstChunkAt - t.synthAt - L.ttsFirstByteMs),
        chunkToFrame: ofDone((t) => t.firstFrameAt - t.firstChunkAt),
        coreOnly: ofDone((t) => t.respondAt - t.sttFinalAt + (t.synthAt - t.firstSentenceAt) + (t.firstFrameAt - t.firstChunkAt)),
      },
    },
    bargeIn: {
      onsetToClear: summarize(barges.filter((b) => b.clearAt !== undefined).map((b) => b.clearAt! - b.onsetAt)),
      coreOnsetToClearMetric: summarize(barges.map((b) => b.coreOnsetToClearMs).filter((v): v is number => v !== undefined)),
      noClear: barges.filter((b) => b.clearAt === undefined).length,
    },
    jitter: jitter.summary(),
    eventLoopLag: { n: lag.count, p50: lagMs(lag.percentile(50)), p99: lagMs(lag.percentile(99)), max: lagMs(lag.max), mean: lagMs(lag.mean) },
    gcPauses: { count: gcPauses.count, totalMs: round2(gcPauses.totalMs), maxMs: round2(gcPauses.maxMs) },
    memory: {
      baselineRssMb: mb(baseline.rss),
      rssMb: mb(atLoad.rss),
      rssPerCallKb: perCallKb(atLoad.rss - baseline.rss),
      heapPerCallKb: perCallKb(atLoad.heapUsed - baseline.heapUsed),
      externalPerCallKb: perCallKb(atLoad.external + atLoad.arrayBuffers - baseline.external - baseline.arrayBuffers),
      gc: gc !== undefined,
    },
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (measureEnd - measureStart)) * 100),
    hostLoad: { start: round2(loadStart), end: round2(loadEnd) },
    framesSent: calls.reduce((n, c) => n + c.transport.framesSent, 0),
    ...(verifications ? { verifications } : {}),
    errors: [...calls.flatMap((c) => c.errors), ...calls.filter((c) => c.missedReplies > 0).map((c) => `call ${c.id}: ${c.missedReplies} replies missed`)].slice(0, 20),
  };
}

/** Verifications back to back, `concurrency` at a time, until stopped; started (and warmed) before the window. */
async function startVerificationBurst(concurrency: number) {
  const { ProblemBank } = await import('../../src/workspace/problems.js');
  const { Verifier } = await import('../../src/workspace/verifier/verifier.js');
  const problem = ProblemBank.load().get('merge-intervals')!;
  const verifier = new Verifier({ warm: concurrency, concurrency });
  verifier.prewarm();
  while (verifier.stats.warm < concurrency) await sleep(50);
  let running = true;
  let done = 0;
  const verdicts: Record<string, number> = {};
  const worker = async () => {
    while (running) {
      const r = await verifier.verify({ code: problem.reference, problem });
      if (!running) break;
      done++;
      verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      await verifier.close();
      return { concurrency, done, verdicts };
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Child mode (from run.ts): options as JSON after `--child`; progress and the result go back over IPC. */
async function main(): Promise<void> {
  const childJson = arg('--child');
  if (childJson !== undefined && process.send) {
    const opts = JSON.parse(childJson) as Omit<PipelineOptions, 'onProgress'>;
    const result = await runPipeline({ ...opts, onProgress: (p) => process.send!({ type: 'progress', ...p }) });
    process.send({ type: 'result', result }, () => process.exit(0));
    return;
  }
  const seconds = Number(arg('--seconds') ?? 20);
  const result = await runPipeline({
    calls: Number(arg('--calls') ?? 50),
    measureMs: seconds * 1000,
    staggerMs: 4000,
    settleMs: 2000,
    warmupMs: 3000,
    latencies: { ...DEFAULT_LATENCIES, ...(arg('--tts-chunk-interval-ms') ? { ttsChunkIntervalMs: Number(arg('--tts-chunk-interval-ms')) } : {}) },
    onProgress: (p) => process.stderr.write(`\r${p.phase} ${(p.elapsedMs / 1000).toFixed(0)}/${(p.totalMs / 1000).toFixed(0)} s   `),
  });
  process.stderr.write('\n');
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
