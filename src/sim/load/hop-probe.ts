/**
 * The machine's own floor under the load, measured beside it: two processes that do nothing else chain
 * `roundTrips` WebSocket round trips over loopback, every `everyMs`. A turn crosses four round trips' worth of
 * loopback hops (caller → service → STT → service → model → service → TTS → service → caller), so a chain of four
 * is what a turn would cost here if no process on its path did any work at all. The echo process also measures
 * its own event-loop lag and a 20 ms timer's lateness (IdleSample): the floor under the service's lag and jitter.
 * The report shows both beside the service's figures; they are information, not part of any verdict.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ToProbe = { type: 'start'; port: number; roundTrips: number; everyMs: number } | { type: 'exit' };
export type FromProbe = { type: 'listening'; port: number } | { type: 'samples'; items: HopSample[] } | ({ type: 'idle' } & IdleSample);

export interface HopSample {
  atEpochMs: number;
  chainMs: number;
}

/**
 * The echo process's own health over one window (IDLE_WINDOW_MS), measured as the service's is: an event-loop
 * delay monitor at 10 ms resolution, its p99 and max less its smallest interval (see scrapeMetrics); and the
 * lateness of a 20 ms timer armed as the pacer arms its own. What a process that does almost nothing gets here.
 */
export interface IdleSample {
  atEpochMs: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Each tick's lateness against its drift-free due time, ms. */
  timerLateMs: number[];
}

/** The same window as the load's scrapes of the service's /metrics, so the two lag figures compare. */
export const IDLE_WINDOW_MS = 5000;

export interface HopProbe {
  /** Every chain timed so far (appended as the ping process reports, about once a second). */
  samples: HopSample[];
  /** The echo process's own lag and timer lateness, one entry per window. */
  idle: IdleSample[];
  roundTrips: number;
  /** The echo and ping processes. */
  pids: number[];
  stop(): Promise<void>;
}

export interface HopProbeOptions {
  /** Run the compiled build's probe (dist/) or the source through tsx. */
  from: 'dist' | 'src';
  roundTrips?: number;
  everyMs?: number;
  /** The echo process's measuring window (default IDLE_WINDOW_MS, the load's scrape interval). */
  idleWindowMs?: number;
}

export async function startHopProbe(opts: HopProbeOptions): Promise<HopProbe> {
  const entry = opts.from === 'dist'
    ? fileURLToPath(new URL('../../../dist/sim/load/hop-probe-process.js', import.meta.url))
    : fileURLToPath(new URL('./hop-probe-process.ts', import.meta.url));
  const execArgv = opts.from === 'dist' ? [] : ['--import', 'tsx'];
  const start = (mode: 'echo' | 'ping') =>
    fork(entry, [mode, String(opts.idleWindowMs ?? IDLE_WINDOW_MS)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const roundTrips = opts.roundTrips ?? 4;
  const samples: HopSample[] = [];
  const idle: IdleSample[] = [];
  const echo = start('echo');
  let ping: ChildProcess | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      echo.on('message', (msg: FromProbe) => {
        if (msg.type === 'listening') resolve(msg.port);
        else if (msg.type === 'idle') idle.push({ atEpochMs: msg.atEpochMs, lagP99Ms: msg.lagP99Ms, lagMaxMs: msg.lagMaxMs, timerLateMs: msg.timerLateMs });
      });
      echo.once('exit', (code) => reject(new Error(`the hop probe's echo process exited (${code}) before it listened`)));
    });
    ping = start('ping');
    ping.on('message', (msg: FromProbe) => {
      if (msg.type === 'samples') samples.push(...msg.items);
    });
    ping.send({ type: 'start', port, roundTrips, everyMs: opts.everyMs ?? 97 } satisfies ToProbe);
  } catch (err) {
    echo.kill();
    throw err;
  }
  const pinger = ping;
  return {
    samples,
    idle,
    roundTrips,
    pids: [echo.pid!, pinger.pid!],
    async stop() {
      // The pinger first, so it never waits on an echo that is gone.
      await stopChild(pinger);
      await stopChild(echo);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'exit' } satisfies ToProbe);
  else child.kill();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
