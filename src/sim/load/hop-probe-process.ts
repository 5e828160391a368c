/**
 * One side of the hop probe (hop-probe.ts), as its own process: `echo` answers every WebSocket message at once;
 * `ping` chains round trips to it and reports each chain's time to the harness over IPC. Neither does anything
 * else, so what a chain costs is what the machine's loopback and scheduler cost at that moment, with no work in it.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { sleep } from '../../lib/abort.js';
import { IDLE_WINDOW_MS, type FromProbe, type ToProbe } from './hop-probe.js';
import { loopLagMs } from './loop-lag.js';

const send = (msg: FromProbe) => process.send?.(msg);
const mode = process.argv[2];
const idleWindowMs = Number(process.argv[3]) || IDLE_WINDOW_MS;

if (mode === 'echo') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  wss.on('listening', () => {
    const address = wss.address();
    if (address && typeof address === 'object') send({ type: 'listening', port: address.port });
    measureIdle();
  });
  process.on('message', (msg: ToProbe) => {
    if (msg.type === 'exit') wss.close(() => process.exit(0));
  });
} else if (mode === 'ping') {
  process.on('message', (msg: ToProbe) => {
    if (msg.type === 'start') void ping(msg).catch((err: unknown) => {
      process.stderr.write(`hop probe: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
    else if (msg.type === 'exit') process.exit(0);
  });
} else {
  process.stderr.write(`hop probe: unknown mode ${String(mode)}\n`);
  process.exit(2);
}

/**
 * This process's lag, measured as the service's (monitorEventLoopDelay at 10 ms, p99 and max less the smallest
 * interval, per window), and a 20 ms clock armed as the pacer arms its own: a timer for the floor of the time to
 * the next due tick, each tick's lateness recorded against its drift-free due time.
 */
function measureIdle(): void {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let late: number[] = [];
  let dueAtMs = performance.now() + 20;
  const tick = () => {
    const now = performance.now();
    // Every tick now due counts, as the pacer sends (and times) every frame that fell due while it waited.
    while (dueAtMs <= now) {
      late.push(now - dueAtMs);
      dueAtMs += 20;
    }
    setTimeout(tick, Math.max(0, Math.floor(dueAtMs - performance.now()))).unref();
  };
  setTimeout(tick, 20).unref();
  setInterval(() => {
    const own = loopLagMs(lag);
    send({ type: 'idle', atEpochMs: Date.now(), lagP99Ms: own.p99Ms, lagMaxMs: own.maxMs, timerLateMs: late });
    late = [];
    lag.reset();
  }, idleWindowMs).unref();
}

async function ping(order: Extract<ToProbe, { type: 'start' }>): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${order.port}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => undefined);
  // The size of a Twilio media frame, as text, as the service's own frames are.
  const frame = JSON.stringify({ event: 'media', streamSid: 'MZprobe', media: { payload: 'A'.repeat(216) } });
  let pending: (() => void) | undefined;
  ws.on('message', () => {
    const done = pending;
    pending = undefined;
    done?.();
  });
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      pending = resolve;
      ws.send(frame);
    });
  let batch: { atEpochMs: number; chainMs: number }[] = [];
  const flush = setInterval(() => {
    if (batch.length) send({ type: 'samples', items: batch });
    batch = [];
  }, 1000);
  flush.unref();
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < order.roundTrips; i++) await roundTrip();
    batch.push({ atEpochMs: Date.now(), chainMs: performance.now() - t0 });
    // An odd period, so the probe does not keep landing on the same phase of the callers' 20 ms frame clocks.
    await sleep(order.everyMs);
  }
}
