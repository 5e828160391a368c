/**
 * Chaos run: many concurrent simulated calls against a real `screenline serve` process, through the real phone edge
 * (signed webhook, TwiML, the media socket), with the Deepgram, OpenAI and ElevenLabs simulators standing in for
 * the vendors (the server uses its real adapters against them). Each call is ended at a seeded random point and in a
 * random way, with provider faults injected at random. What must hold, whatever happens to any one call: the server
 * stays up and /health answers throughout; every interview reaches a terminal status; every call's log ends with
 * `call.ended`; the live-calls gauge returns to 0; and on SIGTERM the server drains and exits 0 by itself (a leaked
 * timer or socket would keep it alive).
 *
 * The load generator (callers, vendor simulators) runs in this process; the server under test in its own.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/free-port.js';
import { seededRandom } from '../lib/seeded-random.js';
import { timedOut } from '../lib/abort.js';
import { TERMINAL_STATUSES } from '../store/index.js';
import { SimulatedCall, renderSpeech, type RenderedSpeech } from './caller/index.js';
import { registerScript, unregisterScript } from './candidate-script.js';
import { startDeepgramSim } from './deepgram-sim.js';
import { startElevenLabsSim } from './elevenlabs-sim.js';
import { startOpenAiSim } from './openai-sim.js';

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
  /** The server's own event-loop lag (its /metrics), worst sample. */
  maxEventLoopLagMs: number;
  liveCallsAfter: number;
  gaugeAfter: number;
  /** The server exited 0 by itself after SIGTERM. */
  serverExitedCleanly: boolean;
  durationMs: number;
  problems: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const BARGE_IN = 'Sorry, could you repeat that?';
const CANDIDATE_LINES = [
  'Yes I agree to continue.',
  'I build backend services in Go and I like owning them in production.',
  'I am done with that one, next question please.',
  'I would use a queue with retries and a dead letter topic.',
  'That is all from me.',
];

export async function runChaos(opts: ChaosOptions): Promise<ChaosSummary> {
  const started = Date.now();
  const random = seededRandom(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));

  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-chaos-'));
  const deepgram = await startDeepgramSim({ apiKey: 'chaos' });
  const openai = await startOpenAiSim({ apiKey: 'chaos', latency: { firstChunkMs: 150, jitterMs: 50 } });
  const eleven = await startElevenLabsSim({ apiKey: 'chaos' });
  const speech = new Map<string, RenderedSpeech>();
  for (const line of [...CANDIDATE_LINES, BARGE_IN]) speech.set(line, await renderSpeech(line));
  const say = (call: SimulatedCall, line: string) => call.say({ mulaw: speech.get(line)!.mulaw, label: line });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authToken = 'chaos-auth-token';
  const apiToken = 'sl_chaos_token_0123456789';
  const server = startServerProcess({
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    API_TOKEN: apiToken,
    TWILIO_AUTH_TOKEN: authToken,
    DRAIN_TIMEOUT_MS: '10000',
    DEEPGRAM_API_KEY: 'chaos',
    DEEPGRAM_URL: deepgram.url,
    OPENAI_API_KEY: 'chaos',
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_FIRST_TOKEN_TIMEOUT_MS: '1500',
    ELEVENLABS_API_KEY: 'chaos',
    ELEVENLABS_BASE_URL: eleven.baseUrl,
  });
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json', ...init.headers }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const eventsOf = async (id: string, types: string[]) => (await api<{ events: { type: string }[] }>(`/api/interviews/${id}/events?types=${types.join(',')}`)).events;
  const statusOf = async (id: string) => (await api<{ status: string }>(`/api/interviews/${id}`)).status;
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${apiToken}` }, signal: AbortSignal.timeout(10_000) })).text();
    const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  let healthChecks = 0;
  let healthFailures = 0;
  let maxLagMs = 0;
  let polling = true;
  const problems: string[] = [];
  const calls: ChaosCall[] = [];
  try {
    await server.ready;
    // /health through the real socket, throughout; the server's own event-loop lag from its metrics.
    const healthLoop = (async () => {
      let n = 0;
      while (polling) {
        healthChecks++;
        try {
          const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
          if (res.status !== 200) healthFailures++;
        } catch {
          healthFailures++;
        }
        if (++n % 4 === 0) maxLagMs = Math.max(maxLagMs, (await metric('screenline_nodejs_eventloop_lag_max_seconds').catch(() => 0)) * 1000);
        await sleep(250);
      }
    })();

    const eventSeen = async (interviewId: string, type: string, timeoutMs: number): Promise<boolean> => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if ((await eventsOf(interviewId, [type])).length > 0) return true;
        await sleep(150);
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

    const runOne = async (index: number): Promise<ChaosCall> => {
      const point = pick(END_POINTS);
      const method = pick(END_METHODS);
      const fault = pick(FAULT_KINDS);
      const delayMs = between(0, 2500);
      const result: ChaosCall = { index, point, method, fault, reached: false, status: 'unknown', callEnded: false };
      const created = await api<{ id: string }>('/api/interviews', {
        method: 'POST',
        body: JSON.stringify({ candidate: { name: `Chaos Caller ${index}`, phone: `+1415555${String(1000 + index).slice(-4)}` }, role: { title: 'Backend Engineer', level: 'mid' } }),
      });
      const call = new SimulatedCall({ serverUrl: url, authToken, interviewId: created.id });
      // The Deepgram simulator gives the n-th speech segment the n-th line: script exactly what this call will say.
      const second = point === 'tool_call' ? CANDIDATE_LINES[2]! : point === 'bargein_pause' ? BARGE_IN : CANDIDATE_LINES[1]!;
      registerScript(call.callSid, { id: `chaos-${index}`, lines: [CANDIDATE_LINES[0]!, second, ...CANDIDATE_LINES.slice(3)].map((text) => ({ text })) });
      try {
        injectFault(fault);
        const dial = await call.start();
        if (dial.outcome !== 'stream') throw new Error(`no stream: ${dial.outcome}`);
        await call.waitForAgentSpeech({ timeoutMs: 20_000 });
        const answerConsent = async () => {
          await call.waitForAgentSilence(900, { timeoutMs: 30_000 });
          await say(call, CANDIDATE_LINES[0]!);
        };
        switch (point) {
          case 'opening':
            await sleep(delayMs);
            result.reached = !call.isEnded;
            break;
          case 'caller_speaking': {
            await answerConsent();
            await call.waitForAgentSilence(900, { timeoutMs: 30_000 });
            say(call, CANDIDATE_LINES[1]!).catch(() => undefined);
            await sleep(between(200, 1500));
            result.reached = call.callerIsSpeaking();
            break;
          }
          case 'mid_reply': {
            await answerConsent();
            result.reached = await call.waitForAgentSpeech({ sinceMs: call.nowMs(), timeoutMs: 15_000 });
            await sleep(between(50, 1500));
            break;
          }
          case 'bargein_pause': {
            await answerConsent();
            await call.waitForAgentSpeech({ sinceMs: call.nowMs(), timeoutMs: 15_000 });
            await sleep(between(300, 1200));
            say(call, BARGE_IN).catch(() => undefined);
            result.reached = await eventSeen(created.id, 'bargein.pause', 5000);
            break;
          }
          case 'tool_call': {
            await answerConsent();
            await call.waitForAgentSilence(900, { timeoutMs: 30_000 });
            await say(call, CANDIDATE_LINES[2]!); // "done … next" makes the model call next_stage
            result.reached = await eventSeen(created.id, 'interview.tool_call', 10_000);
            break;
          }
          case 'stt_reconnect': {
            await answerConsent();
            deepgram.dropAll(); // every live STT socket drops (chaos for the neighbours too)
            result.reached = await eventSeen(created.id, 'provider.reconnecting', 5000);
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
      const until = Date.now() + 20_000;
      for (;;) {
        result.status = await statusOf(created.id).catch(() => 'unreachable');
        const ends = await eventsOf(created.id, ['call.ended', 'call.stream_started']).catch(() => []);
        result.callEnded = ends.some((e) => e.type === 'call.ended');
        const streamed = ends.some((e) => e.type === 'call.stream_started');
        if ((TERMINAL_STATUSES.includes(result.status as never) && (result.callEnded || !streamed)) || Date.now() > until) break;
        await sleep(200);
      }
      opts.onProgress?.(`call ${index + 1}/${opts.calls}: ${point}${result.reached ? '' : ' (not reached)'} → ${method}${fault === 'none' ? '' : ` + ${fault}`}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
      return result;
    };

    const concurrency = Math.max(1, opts.concurrency ?? opts.calls);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, opts.calls) }, async () => {
        while (next < opts.calls) {
          const index = next++;
          await sleep(between(0, 400)); // staggered arrivals, like real traffic
          calls[index] = await runOne(index);
        }
      }),
    );
    polling = false;
    await healthLoop;
  } catch (err) {
    problems.push(`run aborted: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    polling = false;
  }

  const liveCallsAfter = await metric('screenline_live_calls').catch(() => -1);
  for (const c of calls) {
    if (!c) continue;
    if (!TERMINAL_STATUSES.includes(c.status as never)) problems.push(`call ${c.index}: status ${c.status} is not terminal`);
    if (!c.callEnded) problems.push(`call ${c.index}: no call.ended in its log (status ${c.status})`);
  }
  if (healthFailures > 0) problems.push(`/health failed ${healthFailures} of ${healthChecks} times`);
  if (liveCallsAfter !== 0) problems.push(`live-calls gauge is ${liveCallsAfter}, not 0`);

  const serverExitedCleanly = await server.stop();
  if (!serverExitedCleanly) problems.push(`the server did not drain and exit 0 by itself on SIGTERM; its last output:\n${server.output().slice(-2000)}`);
  await Promise.all([deepgram.close(), openai.close(), eleven.close()]);
  await rm(dataDir, { recursive: true, force: true });

  return {
    seed: opts.seed,
    calls,
    healthChecks,
    healthFailures,
    maxEventLoopLagMs: Math.round(maxLagMs),
    liveCallsAfter,
    gaugeAfter: liveCallsAfter,
    serverExitedCleanly,
    durationMs: Date.now() - started,
    problems,
  };
}

/** `screenline serve` in its own process; `stop` sends SIGTERM and resolves true if it exits 0 by itself in time. */
function startServerProcess(env: Record<string, string>): { ready: Promise<void>; output(): string; stop(): Promise<boolean> } {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      if (/listening on/.test(out)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${out.slice(-1000)}`))).catch(() => undefined);
    setTimeout(() => reject(new Error(`the server did not start within 90 s: ${out.slice(-1000)}`)), 90_000).unref();
  });
  return {
    ready,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return false;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code === 0;
    },
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
    `  server lag        max ${s.maxEventLoopLagMs} ms (its event loop, from /metrics)`,
    `  live calls after  ${s.liveCallsAfter} (gauge)`,
    `  server on SIGTERM ${s.serverExitedCleanly ? 'drained and exited 0 by itself' : 'DID NOT exit cleanly'}`,
    s.problems.length ? `  PROBLEMS (${s.problems.length}):\n${s.problems.map((p) => `    - ${p}`).join('\n')}` : '  result            PASS: every call ended in its own handler; the process never noticed',
  ];
}
