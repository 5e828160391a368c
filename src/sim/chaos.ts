/**
 * Chaos run: many concurrent simulated calls through the real media socket (the Twilio caller simulator against
 * the real app on loopback, with the Deepgram, OpenAI and ElevenLabs simulators behind the real SDKs), each ended
 * at a seeded random point and in a random way, with provider faults injected at random. What must hold, whatever
 * happens to any one call: the process stays up and /health answers throughout; every interview reaches a terminal
 * status; every event log ends its call with `call.ended`; the live-calls gauge returns to 0; nothing is left
 * running once the app closes (the CLI and the test exit by themselves).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { freePort } from '../lib/free-port.js';
import { timedOut } from '../lib/abort.js';
import { buildPlan } from '../interview/plan.js';
import { DeepgramSpeechToText } from '../providers/deepgram/deepgram-stt.js';
import { OpenAiModel } from '../providers/openai/index.js';
import { ElevenLabsSynthesizer } from '../providers/elevenlabs/index.js';
import { EspeakSynthesizer, closeSharedEspeak } from '../providers/local/espeak-tts.js';
import { openStore, PGLITE_MEMORY_URL } from '../store/store.js';
import { TERMINAL_STATUSES } from '../store/index.js';
import { SimulatedCall } from './caller/index.js';
import { registerScript, unregisterScript } from './candidate-script.js';
import { startDeepgramSim } from './deepgram-sim.js';
import { startElevenLabsSim } from './elevenlabs-sim.js';
import { startOpenAiSim } from './openai-sim.js';
import { shortenPlan } from './demo-script.js';

export const END_POINTS = ['opening', 'caller_speaking', 'mid_reply', 'bargein_pause', 'tool_call', 'stt_reconnect'] as const;
export const END_METHODS = ['stop', 'drop', 'garbage'] as const;
export const FAULT_KINDS = ['none', 'stt_drop', 'llm_error', 'llm_stall', 'tts_5xx', 'tts_stall'] as const;
export type EndPoint = (typeof END_POINTS)[number];
export type EndMethod = (typeof END_METHODS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  calls: number;
  seed: number;
  /** Calls in flight at once (default: all of them). */
  concurrency?: number;
  /** Progress lines (one per finished call). */
  onProgress?: (line: string) => void;
}

export interface ChaosCall {
  index: number;
  point: EndPoint;
  method: EndMethod;
  fault: FaultKind;
  /** Whether the chosen point was actually reached before the call was ended (else it ended at the fallback time). */
  reached: boolean;
  status: string;
  callEnded: boolean;
  error?: string;
}

export interface ChaosSummary {
  seed: number;
  calls: ChaosCall[];
  healthChecks: number;
  healthFailures: number;
  maxEventLoopLagMs: number;
  p99EventLoopLagMs: number;
  liveCallsAfter: number;
  gaugeAfter: number;
  durationMs: number;
  problems: string[];
}

/** mulberry32: small, fast, good enough to make a run reproducible from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const CANDIDATE_LINES = [
  'Yes I agree to continue.',
  'I build backend services in Go and I like owning them in production.',
  'I am done with that one, next question please.',
  'I would use a queue with retries and a dead letter topic.',
  'That is all from me.',
];

export async function runChaos(opts: ChaosOptions): Promise<ChaosSummary> {
  const started = Date.now();
  const random = rng(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));

  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-chaos-'));
  const deepgram = await startDeepgramSim({});
  const openai = await startOpenAiSim({ latency: { firstChunkMs: 150, jitterMs: 50 } });
  const eleven = await startElevenLabsSim({ apiKey: 'chaos' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authToken = 'chaos-auth-token';
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, API_TOKEN: 'sl_chaos_token_0123456789', PUBLIC_URL: url, PORT: String(port), TWILIO_AUTH_TOKEN: authToken });
  const log = createLogger('silent', { pretty: false });
  const store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir });
  const stt = new DeepgramSpeechToText({ apiKey: 'simulator', url: deepgram.url, log, stallTimeoutMs: 3000 });
  const app = await buildApp(config, {
    logger: log,
    store,
    simulation: { stt, describe: 'deepgram-protocol simulator (chaos)', onCallEnded: unregisterScript, close: async () => undefined },
    providers: {
      chat: new OpenAiModel({ baseUrl: openai.baseUrl, apiKey: 'chaos', firstTokenTimeoutMs: 1500 }),
      tts: [new ElevenLabsSynthesizer({ apiKey: 'chaos', baseUrl: eleven.baseUrl, firstByteTimeoutMs: 1500 }), new EspeakSynthesizer()],
    },
    interviewer: { plan: shortenPlan(buildPlan({ roleTitle: 'Backend Engineer', level: 'mid' })), toolTimeoutMs: 2000 },
  });
  await app.listen({ port, host: '127.0.0.1' });

  // /health through the real socket, throughout.
  let healthChecks = 0;
  let healthFailures = 0;
  let polling = true;
  const healthLoop = (async () => {
    while (polling) {
      healthChecks++;
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status !== 200) healthFailures++;
      } catch {
        healthFailures++;
      }
      await sleep(250);
    }
  })();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();

  const eventSeen = async (interviewId: string, type: string, timeoutMs: number): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await store.events.list(interviewId, { types: [type] })).length > 0) return true;
      await sleep(100);
    }
    return false;
  };

  const injectFault = (fault: FaultKind) => {
    if (fault === 'stt_drop') deepgram.faults.once({ dropAfterChunks: between(50, 400) });
    else if (fault === 'llm_error') openai.faults.once({ status: pick([429, 500, 503]) });
    else if (fault === 'llm_stall') openai.faults.once({ stallAfterChunks: between(0, 3) });
    else if (fault === 'tts_5xx') eleven.faults.once({ status: 503 });
    else if (fault === 'tts_stall') eleven.faults.once({ stallAfterChunks: between(0, 2) });
  };

  async function runOne(index: number): Promise<ChaosCall> {
    const point = pick(END_POINTS);
    const method = pick(END_METHODS);
    const fault = pick(FAULT_KINDS);
    const delayMs = between(0, 1500);
    const result: ChaosCall = { index, point, method, fault, reached: false, status: 'unknown', callEnded: false };
    const interview = await store.interviews.create({ candidate: { name: `Chaos Caller ${index}`, phone: `+1415555${String(1000 + index).slice(-4)}` }, role: { title: 'Backend Engineer', level: 'mid' } });
    const call = new SimulatedCall({ serverUrl: url, authToken, interviewId: interview.id });
    registerScript(call.callSid, { id: `chaos-${index}`, lines: CANDIDATE_LINES.map((text) => ({ text })) });
    try {
      injectFault(fault);
      const dial = await call.start();
      if (dial.outcome !== 'stream') throw new Error(`no stream: ${dial.outcome}`);
      await call.waitForAgentSpeech({ timeoutMs: 20_000 });
      const answerConsent = async () => {
        await call.waitForAgentSilence(900, { timeoutMs: 30_000 });
        await call.say(CANDIDATE_LINES[0]!);
      };
      switch (point) {
        case 'opening':
          await sleep(delayMs);
          result.reached = !call.isEnded;
          break;
        case 'caller_speaking': {
          await answerConsent();
          await call.waitForAgentSilence(900, { timeoutMs: 30_000 });
          const saying = call.say(CANDIDATE_LINES[1]!);
          await sleep(between(200, 1500));
          result.reached = call.callerIsSpeaking();
          saying.catch(() => undefined);
          break;
        }
        case 'mid_reply': {
          await answerConsent();
          const since = call.nowMs();
          result.reached = await call.waitForAgentSpeech({ sinceMs: since, timeoutMs: 15_000 });
          await sleep(between(50, 1500));
          break;
        }
        case 'bargein_pause': {
          await answerConsent();
          await call.waitForAgentSpeech({ sinceMs: call.nowMs(), timeoutMs: 15_000 });
          await sleep(between(300, 1200));
          call.say('Sorry, could you repeat that?').catch(() => undefined);
          result.reached = await eventSeen(interview.id, 'bargein.pause', 5000);
          break;
        }
        case 'tool_call': {
          await answerConsent();
          await call.waitForAgentSilence(900, { timeoutMs: 30_000 });
          await call.say(CANDIDATE_LINES[2]!); // "done … next" makes the model call next_stage
          result.reached = await eventSeen(interview.id, 'interview.tool_call', 10_000);
          break;
        }
        case 'stt_reconnect': {
          await answerConsent();
          deepgram.dropAll(); // every live STT socket drops (chaos for the neighbours too)
          result.reached = await eventSeen(interview.id, 'provider.reconnecting', 5000);
          await sleep(between(0, 500));
          break;
        }
      }
      if (!call.isEnded) {
        if (method === 'stop') await call.hangup();
        else if (method === 'drop') call.drop();
        else call.sendGarbage(25);
      }
      if (await timedOut(call.ended, 15_000)) {
        result.error = 'the server did not end the call';
        await call.hangup();
      }
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
      if (!call.isEnded) await call.hangup().catch(() => undefined);
    } finally {
      unregisterScript(call.callSid);
    }
    // The server side: a terminal status and a `call.ended` (give the clean-up a moment).
    const until = Date.now() + 15_000;
    for (;;) {
      const view = await store.interviews.get(interview.id);
      result.status = view?.status ?? 'missing';
      result.callEnded = (await store.events.list(interview.id, { types: ['call.ended'] })).length > 0;
      const streamed = (await store.events.list(interview.id, { types: ['call.stream_started'] })).length > 0;
      const done = TERMINAL_STATUSES.includes(result.status as never) && (result.callEnded || !streamed);
      if (done || Date.now() > until) break;
      await sleep(100);
    }
    opts.onProgress?.(`call ${index + 1}/${opts.calls}: ${point} → ${method}${fault === 'none' ? '' : ` + ${fault}`}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
    return result;
  }

  const calls: ChaosCall[] = [];
  const concurrency = Math.max(1, opts.concurrency ?? opts.calls);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, opts.calls) }, async () => {
      while (next < opts.calls) {
        const index = next++;
        // Stagger arrivals a little, like real traffic.
        await sleep(between(0, 400));
        calls[index] = await runOne(index);
      }
    }),
  );

  await timedOut(app.liveCalls.registry.whenIdle(), 15_000);
  const liveCallsAfter = app.liveCalls.registry.size;
  const gaugeAfter = (await app.metrics.liveCalls.get()).values[0]?.value ?? 0;
  polling = false;
  await healthLoop;
  lag.disable();

  const problems: string[] = [];
  for (const c of calls) {
    if (!TERMINAL_STATUSES.includes(c.status as never)) problems.push(`call ${c.index}: status ${c.status} is not terminal`);
    if (!c.callEnded && c.status !== 'no_answer') problems.push(`call ${c.index}: no call.ended in its log (status ${c.status})`);
  }
  if (healthFailures > 0) problems.push(`/health failed ${healthFailures} of ${healthChecks} times`);
  if (liveCallsAfter !== 0) problems.push(`${liveCallsAfter} calls still registered as live`);
  if (gaugeAfter !== 0) problems.push(`live-calls gauge is ${gaugeAfter}, not 0`);

  await app.close();
  await store.close();
  await Promise.all([deepgram.close(), openai.close(), eleven.close()]);
  await closeSharedEspeak();
  await rm(dataDir, { recursive: true, force: true });

  return {
    seed: opts.seed,
    calls,
    healthChecks,
    healthFailures,
    maxEventLoopLagMs: Math.round(lag.max / 1e6),
    p99EventLoopLagMs: Math.round(lag.percentile(99) / 1e6),
    liveCallsAfter,
    gaugeAfter,
    durationMs: Date.now() - started,
    problems,
  };
}

/** The summary as a printable table. */
export function chaosTable(s: ChaosSummary): string[] {
  const count = <K extends string>(key: (c: ChaosCall) => K) => {
    const m = new Map<K, number>();
    for (const c of s.calls) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  };
  return [
    `chaos run: seed ${s.seed}, ${s.calls.length} calls, ${(s.durationMs / 1000).toFixed(1)} s`,
    `  ended at          ${count((c) => `${c.point}${c.reached ? '' : '(not reached)'}`)}`,
    `  ended by          ${count((c) => c.method)}`,
    `  faults injected   ${count((c) => c.fault)}`,
    `  terminal statuses ${count((c) => c.status)}`,
    `  /health           ${s.healthChecks - s.healthFailures}/${s.healthChecks} answered`,
    `  event-loop lag    p99 ${s.p99EventLoopLagMs} ms, max ${s.maxEventLoopLagMs} ms`,
    `  live calls after  ${s.liveCallsAfter} (gauge ${s.gaugeAfter})`,
    s.problems.length ? `  PROBLEMS (${s.problems.length}):\n${s.problems.map((p) => `    - ${p}`).join('\n')}` : '  result            PASS: every call ended in its own handler; the process never noticed',
  ];
}
