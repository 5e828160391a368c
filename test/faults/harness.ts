/**
 * The fault suite's harness: a real `screenline serve` child process (killed with SIGTERM or SIGKILL by the
 * test), the Deepgram and ElevenLabs simulators in this process (so scripts and faults are set here), the plan-
 * driven interviewer, and helpers to read the interview's status and event log over the API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/lib/free-port.js';
import { SimulatedCall, renderSpeech, type RenderedSpeech } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { startDeepgramSim } from '../../src/sim/deepgram-sim.js';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const AUTH_TOKEN = 'faults-auth-token';
export const API_TOKEN = 'sl_faults_token_0123456789';

export interface Sims {
  deepgram: Awaited<ReturnType<typeof startDeepgramSim>>;
  eleven: Awaited<ReturnType<typeof startElevenLabsSim>>;
  close(): Promise<void>;
}

export async function startSims(): Promise<Sims> {
  const deepgram = await startDeepgramSim({ apiKey: 'faults' });
  // Short pseudo-speech keeps each line's playback (real-time 20 ms frames) brief.
  const eleven = await startElevenLabsSim({ apiKey: 'faults', msPerChar: 6 });
  return { deepgram, eleven, close: async () => void (await Promise.all([deepgram.close(), eleven.close()])) };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  api<T>(path: string, init?: RequestInit): Promise<T>;
  events(interviewId: string, types?: string[]): Promise<{ seq: number; type: string; payload: Record<string, unknown> }[]>;
  status(interviewId: string): Promise<string>;
  /** SIGTERM, then the exit code (SIGKILL after 30 s). */
  stop(): Promise<number | null>;
}

export async function startServer(sims: Sims, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      LOG_LEVEL: 'info',
      API_TOKEN,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      WEB_CONCURRENCY: '1',
      DEEPGRAM_API_KEY: 'faults',
      DEEPGRAM_URL: sims.deepgram.url,
      ELEVENLABS_API_KEY: 'faults',
      ELEVENLABS_BASE_URL: sims.eleven.baseUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 400_000) out = out.slice(-200_000);
      if (/listening on/.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${out.slice(-2000)}`))).catch(() => undefined);
    setTimeout(() => reject(new Error(`the server did not start within 60 s: ${out.slice(-2000)}`)), 60_000).unref();
  });
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json', ...init.headers }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    url,
    child,
    exited,
    output: () => out,
    api,
    events: async (id, types) => (await api<{ events: { seq: number; type: string; payload: Record<string, unknown> }[] }>(`/api/interviews/${id}/events${types ? `?types=${types.join(',')}` : ''}`)).events,
    status: async (id) => (await api<{ status: string }>(`/api/interviews/${id}`)).status,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function createInterview(server: ServerProcess, name: string): Promise<string> {
  const created = await server.api<{ id: string }>('/api/interviews', {
    method: 'POST',
    body: JSON.stringify({ candidate: { name, phone: '+14155550142' }, role: { title: 'Backend Engineer', level: 'mid' } }),
  });
  return created.id;
}

const speechCache = new Map<string, RenderedSpeech>();

/** A simulated candidate on the phone: each `say` is the next line of its Deepgram script. */
export async function candidateCall(
  server: ServerProcess,
  interviewId: string,
  lines: string[],
  /** Before the voice webhook (a callback's dial attaches its CallSid first, as placeCall does). */
  beforeDial?: (callSid: string) => Promise<void>,
): Promise<{ call: SimulatedCall; say(line: string): Promise<void> }> {
  for (const line of lines) if (!speechCache.has(line)) speechCache.set(line, await renderSpeech(line));
  const call = new SimulatedCall({ serverUrl: server.url, authToken: AUTH_TOKEN, interviewId });
  registerScript(call.callSid, { id: `faults-${call.callSid}`, lines: lines.map((text) => ({ text })) });
  await beforeDial?.(call.callSid);
  const dial = await call.start();
  if (dial.outcome !== 'stream') throw new Error(`no stream: ${dial.outcome} ${dial.twiml}`);
  return {
    call,
    say: async (line) => {
      await call.say({ mulaw: speechCache.get(line)!.mulaw, label: line });
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The agent lines of a call, in order (what the event log says the candidate heard). */
export async function agentLines(server: ServerProcess, interviewId: string): Promise<{ replyId: string; planned: string; heard: string }[]> {
  return (await server.events(interviewId, ['agent.speech'])).map((e) => e.payload as { replyId: string; planned: string; heard: string });
}
