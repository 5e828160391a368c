/**
 * The machine's own floor under the load, measured beside it: two processes that do nothing else chain
 * `roundTrips` WebSocket round trips over loopback, every `everyMs`. A turn crosses four round trips' worth of
 * loopback hops (caller → service → STT → service → model → service → TTS → service → caller), so a chain of four
 * is what a turn would cost here if no process on its path did any work at all. The report shows it beside the
 * turn overhead; it is information, not part of any verdict.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ToProbe = { type: 'start'; port: number; roundTrips: number; everyMs: number } | { type: 'exit' };
export type FromProbe = { type: 'listening'; port: number } | { type: 'samples'; items: HopSample[] };

export interface HopSample {
  atEpochMs: number;
  chainMs: number;
}

export interface HopProbe {
  /** Every chain timed so far (appended as the ping process reports, about once a second). */
  samples: HopSample[];
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
}

export async function startHopProbe(opts: HopProbeOptions): Promise<HopProbe> {
  const entry = opts.from === 'dist'
    ? fileURLToPath(new URL('../../../dist/sim/load/hop-probe-process.js', import.meta.url))
    : fileURLToPath(new URL('./hop-probe-process.ts', import.meta.url));
  const execArgv = opts.from === 'dist' ? [] : ['--import', 'tsx'];
  const start = (mode: 'echo' | 'ping') => fork(entry, [mode], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const roundTrips = opts.roundTrips ?? 4;
  const samples: HopSample[] = [];
  const echo = start('echo');
  let ping: ChildProcess | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      echo.on('message', (msg: FromProbe) => {
        if (msg.type === 'listening') resolve(msg.port);
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
