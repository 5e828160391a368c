/**
 * npx tsx scripts/bench/stt-send.ts [--quick]   (also part of `npm run bench`)
 *
 * What the caller's audio costs on its way to speech-to-text, frame by frame against the STT feed's batching of
 * quiet audio (src/voice/stt-feed.ts, DEEPGRAM_BATCH_MS). A client process (a child) holds N calls' streams through
 * our Deepgram adapter to the Deepgram simulator (this process) and feeds each 20 ms of caller audio in real time,
 * through an SttFeed, from a talk pattern: the agent speaks (the caller is quiet), then the caller answers. The
 * figure is the client process's CPU time (all its threads: the writes are syscalls) per second of call audio.
 * Runs alternate A/B/A/B so a drift in the machine's speed lands on both modes.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeMulaw } from '../../src/audio/mulaw.js';
import { FRAME_BYTES, FRAME_MS } from '../../src/audio/frames.js';
import { startDeepgramSim } from '../../src/sim/deepgram-sim.js';
import { STT_FEED_DEFAULTS, SttFeed } from '../../src/voice/stt-feed.js';

const SELF = fileURLToPath(import.meta.url);
const SLOTS = 10;

/** Who talks when, in one call: the caller is quiet for `quietMs` (the agent's turn), then speaks for `speechMs`. */
export interface TalkPattern {
  name: string;
  quietMs: number;
  speechMs: number;
}

export const PATTERNS: TalkPattern[] = [
  // A screening interview: a question of ~8 s, an answer of ~20 s.
  { name: 'interview (agent 8 s, caller 20 s)', quietMs: 8000, speechMs: 20_000 },
  // The load harness's script: short answers, replies of a few seconds.
  { name: 'load script (agent 3.5 s, caller 1.6 s)', quietMs: 3500, speechMs: 1600 },
  // The bound: the caller only listens (the opening, a long question): every frame past the hold is batched.
  { name: 'caller listening', quietMs: 3_600_000, speechMs: FRAME_MS },
];

interface ClientArgs {
  url: string;
  calls: number;
  seconds: number;
  batchMs: number;
  pattern: TalkPattern;
}

interface ClientResult {
  cpuMs: number;
  sendMs: number;
  /** Mean time of a push that sent a message, and of one that only held its frame, µs. */
  usPerSend: number;
  usPerHold?: number;
  callSeconds: number;
  frames: number;
  messages: number;
}

function frames(): { speech: Uint8Array; quiet: Uint8Array } {
  const speech = new Int16Array(FRAME_BYTES);
  const quiet = new Int16Array(FRAME_BYTES);
  for (let i = 0; i < FRAME_BYTES; i++) {
    speech[i] = Math.round(6000 * Math.sin((2 * Math.PI * 220 * i) / 8000) + 2000 * Math.sin((2 * Math.PI * 660 * i) / 8000));
    quiet[i] = ((i * 7919) % 61) - 30;
  }
  return { speech: encodeMulaw(speech), quiet: encodeMulaw(quiet) };
}

async function client(args: ClientArgs): Promise<ClientResult> {
  const { DeepgramSpeechToText } = await import('../../src/providers/deepgram/deepgram-stt.js');
  const stt = new DeepgramSpeechToText({ apiKey: 'bench', url: args.url });
  const audio = frames();
  const cycleMs = args.pattern.quietMs + args.pattern.speechMs;
  const calls = await Promise.all(
    Array.from({ length: args.calls }, async (_, i) => {
      const stream = await stt.open({ encoding: 'mulaw', sampleRateHz: 8000, language: 'en-US', callId: `bench-${i}` });
      const drained = (async () => {
        for await (const ev of stream.events()) void ev;
      })();
      const feed = new SttFeed((bytes) => stream.send(bytes), { ...STT_FEED_DEFAULTS, batchMs: args.batchMs });
      // Calls start at spread-out points of the pattern, as real calls do.
      return { stream, drained, feed, phaseMs: Math.floor((i * cycleMs) / args.calls / FRAME_MS) * FRAME_MS };
    }),
  );
  const totals = () => calls.reduce((t, c) => ({ frames: t.frames + c.feed.counts.frames, messages: t.messages + c.feed.counts.messages }), { frames: 0, messages: 0 });
  const warmupTicks = 50;
  const ticks = warmupTicks + Math.round((args.seconds * 1000) / FRAME_MS);
  // Calls' frames arrive spread over each 20 ms, not all at once (Twilio's streams are not in phase): SLOTS groups.
  let slot = 0;
  const slotAtMs = (k: number) => Math.floor(k / SLOTS) * FRAME_MS + (k % SLOTS) * (FRAME_MS / SLOTS);
  /** Time inside the synchronous send loops only (feed + adapter + ws framing + the write syscalls). */
  let sendMs = 0;
  const pushSent = { n: 0, us: 0 };
  const pushHeld = { n: 0, us: 0 };
  let cpuStart = process.cpuUsage();
  let counted = totals();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const step = () => {
      // Every slot due by now (a late timer catches up, as a socket delivering a burst would).
      while (slot < ticks * SLOTS && performance.now() - started >= slotAtMs(slot)) {
        const tick = Math.floor(slot / SLOTS);
        const streamMs = tick * FRAME_MS;
        const measured = tick >= warmupTicks;
        if (slot === warmupTicks * SLOTS) {
          cpuStart = process.cpuUsage();
          counted = totals();
        }
        for (let i = slot % SLOTS; i < calls.length; i += SLOTS) {
          const c = calls[i]!;
          const voiced = (streamMs + c.phaseMs) % cycleMs >= args.pattern.quietMs;
          const before = c.feed.counts.messages;
          const t0 = performance.now();
          c.feed.push(voiced ? audio.speech : audio.quiet, streamMs, voiced);
          const us = (performance.now() - t0) * 1000;
          if (!measured) continue;
          sendMs += us / 1000;
          if (c.feed.counts.messages > before) {
            pushSent.n++;
            pushSent.us += us;
          } else {
            pushHeld.n++;
            pushHeld.us += us;
          }
        }
        slot++;
      }
      if (slot >= ticks * SLOTS) return resolve();
      setTimeout(step, Math.max(0, started + slotAtMs(slot) - performance.now()));
    };
    step();
  });
  const cpu = process.cpuUsage(cpuStart);
  const end = totals();
  for (const c of calls) c.feed.flush();
  await Promise.all(calls.map(async (c) => { await c.stream.close(); await c.drained.catch(() => undefined); }));
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    sendMs,
    usPerSend: pushSent.us / Math.max(1, pushSent.n),
    usPerHold: pushHeld.n ? pushHeld.us / pushHeld.n : undefined,
    callSeconds: args.calls * args.seconds,
    frames: end.frames - counted.frames,
    messages: end.messages - counted.messages,
  };
}

export interface SttSendRow {
  pattern: string;
  batchMs: number;
  runs: number;
  /** STT messages per 20 ms frame of caller audio. */
  messagesPerFrame: number;
  /** The client process's CPU per second of one call's audio, µs (mean over the runs). */
  cpuUsPerCallSecond: number;
  /** Of which: time in the send path itself (feed, adapter, ws framing, write syscall), µs per call-second. */
  sendUsPerCallSecond: number;
  /** A push that sent a message, and one that only held its frame, µs each. */
  usPerSend: number;
  usPerHold?: number;
  /** Send path against frame by frame in the same pattern, %. */
  savingPercent?: number;
}

function runClient(args: ClientArgs): Promise<ClientResult> {
  const child = fork(SELF, ['--client', JSON.stringify(args)], { execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    let result: ClientResult | undefined;
    child.once('message', (m) => (result = m as ClientResult));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the stt-send client exited (${code}) with no result`))));
  });
}

/** The simulator in this process, the clients in a child, as Deepgram and the service are. */
export async function run(opts: { quick?: boolean; onProgress?: (line: string) => void } = {}): Promise<SttSendRow[]> {
  const calls = opts.quick ? 20 : 50;
  const seconds = opts.quick ? 6 : 10;
  const rounds = 2;
  const patterns = opts.quick ? PATTERNS.slice(0, 1) : PATTERNS;
  const modes = [0, STT_FEED_DEFAULTS.batchMs];
  const sim = await startDeepgramSim({ idleTimeoutMs: 0 });
  const rows: SttSendRow[] = [];
  try {
    for (const pattern of patterns) {
      const results = new Map<number, ClientResult[]>(modes.map((m) => [m, []]));
      for (let round = 0; round < rounds; round++) {
        for (const batchMs of modes) {
          opts.onProgress?.(`  ${pattern.name}, ${batchMs ? `batched ${batchMs} ms` : 'frame by frame'}, run ${round + 1}/${rounds}`);
          results.get(batchMs)!.push(await runClient({ url: sim.url, calls, seconds, batchMs, pattern }));
        }
      }
      let base: number | undefined;
      for (const batchMs of modes) {
        const rs = results.get(batchMs)!;
        const callSeconds = rs.reduce((s, r) => s + r.callSeconds, 0);
        const cpuUs = (rs.reduce((s, r) => s + r.cpuMs, 0) * 1000) / callSeconds;
        const sendUs = (rs.reduce((s, r) => s + r.sendMs, 0) * 1000) / callSeconds;
        base ??= sendUs;
        rows.push({
          pattern: pattern.name,
          batchMs,
          runs: rs.length,
          messagesPerFrame: rs.reduce((s, r) => s + r.messages, 0) / rs.reduce((s, r) => s + r.frames, 0),
          cpuUsPerCallSecond: cpuUs,
          sendUsPerCallSecond: sendUs,
          usPerSend: rs.reduce((s, r) => s + r.usPerSend, 0) / rs.length,
          usPerHold: rs[0]!.usPerHold === undefined ? undefined : rs.reduce((s, r) => s + (r.usPerHold ?? 0), 0) / rs.length,
          savingPercent: batchMs ? (100 * (base - sendUs)) / base : undefined,
        });
      }
    }
  } finally {
    await sim.close();
  }
  return rows;
}

export function sttSendTable(rows: SttSendRow[]): string {
  return [
    'Caller audio → speech-to-text (scripts/bench/stt-send.ts; our Deepgram adapter in a client process, the simulator in another, real time)',
    '',
    '| talk pattern | sent | messages per frame | µs per message sent | µs per frame held | send path µs per call-second | saving | client CPU µs per call-second (all of it) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.pattern} | ${r.batchMs ? `quiet audio in ${r.batchMs} ms messages` : 'frame by frame'} | ${r.messagesPerFrame.toFixed(2)} | ${r.usPerSend.toFixed(1)} | ${r.usPerHold === undefined ? '—' : r.usPerHold.toFixed(2)} | ${r.sendUsPerCallSecond.toFixed(0)} | ${r.savingPercent === undefined ? '—' : `${r.savingPercent.toFixed(1)} %`} | ${r.cpuUsPerCallSecond.toFixed(0)} |`),
    '',
    'info, no budget: what the STT feed (DEEPGRAM_BATCH_MS) saves on the send path; speech and the 1.5 s after it go frame by frame in both.',
    'A message costs more when sends are sparse (each pays something like a wake-up here), so messages fall faster than time;',
    'the whole-process CPU column moves by ±20 % between runs on a nested guest: read the send path, timed push by push.',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { client: { type: 'string' }, quick: { type: 'boolean' } } });
  if (values.client) {
    process.send!(await client(JSON.parse(values.client) as ClientArgs));
    process.disconnect();
  } else {
    console.log(sttSendTable(await run({ quick: values.quick, onProgress: (l) => console.log(l) })));
  }
}
