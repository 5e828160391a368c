/**
 * precise-wait.ts: never early, cancellable without leftovers, and never holding the event loop. Deterministic only:
 * how late a wait ends is not asserted (timed tests here assert no performance); where a test needs the wait to sit
 * in its last phase, `performance.now()` is held by a stub instead of hoping the machine is fast enough.
 */
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { preciseTimer, preciseWait } from '../../src/sim/precise-wait.js';

/** Ref'd timers and immediates pending now (counted by Node as it arms and clears them, so exact between two lines). */
const pendingHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Holds `performance.now()` at a value the test sets, so the wait's deadline arrives only when the test says. */
function holdClock(startMs: number) {
  let nowMs = startMs;
  const spy = vi.spyOn(performance, 'now').mockImplementation(() => nowMs);
  return { set: (ms: number) => void (nowMs = ms), restore: () => spy.mockRestore() };
}

afterEach(() => vi.restoreAllMocks());

describe('preciseWait', () => {
  it('never resolves before the wait has passed on performance.now()', async () => {
    for (const ms of [0, 1, 1.4, 2.5, 3, 12]) {
      const startedAtMs = performance.now();
      await preciseWait(ms);
      expect(performance.now() - startedAtMs).toBeGreaterThanOrEqual(ms);
    }
  });

  it('waits out a timer that fires before the deadline (a stale loop clock) instead of resolving early', async () => {
    const clock = holdClock(1000);
    let resolved = false;
    const wait = preciseWait(5).then(() => (resolved = true));
    // 20 ms of real time: its timer (aimed at 3.5 ms) fires and is re-aimed, but the clock says 1000 + 0.
    await realSleep(20);
    expect(resolved).toBe(false);
    clock.set(1004.99);
    await realSleep(5);
    expect(resolved).toBe(false);
    clock.set(1005);
    await wait;
    expect(resolved).toBe(true);
  });

  it('rejects at once with AbortError when the signal has already aborted, arming nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const before = pendingHandles();
    const wait = preciseWait(10, ac.signal);
    expect(pendingHandles()).toBe(before);
    await expect(wait).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects with AbortError on an abort in the timer phase, and clears the timer', async () => {
    const ac = new AbortController();
    const wait = preciseWait(10_000, ac.signal);
    const rejected = expect(wait).rejects.toMatchObject({ name: 'AbortError' });
    await realSleep(5);
    const before = pendingHandles();
    ac.abort();
    expect(pendingHandles()).toBe(before - 1);
    await rejected;
  });

  it('rejects with AbortError on an abort in the setImmediate phase, and clears the immediate', async () => {
    const clock = holdClock(0);
    const ac = new AbortController();
    // 1 ms: all of it is setImmediate turns; the held clock keeps it there.
    const wait = preciseWait(1, ac.signal);
    const rejected = expect(wait).rejects.toMatchObject({ name: 'AbortError' });
    await realSleep(5);
    const before = pendingHandles();
    ac.abort();
    expect(pendingHandles()).toBe(before - 1);
    await rejected;
    clock.restore();
  });

  it('lets timers, immediates and socket I/O run while it turns in its last phase', async () => {
    const server = createServer((socket) => socket.pipe(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const clock = holdClock(0);
    try {
      let resolved = false;
      const wait = preciseWait(3).then(() => (resolved = true));
      // Past the timer phase, short of the deadline: only setImmediate turns until the clock moves.
      clock.set(2);
      await realSleep(5);
      const ran: string[] = [];
      await new Promise<void>((r) => setImmediate(() => r(void ran.push('immediate'))));
      await new Promise<void>((r) => setTimeout(() => r(void ran.push('timeout 0')), 0));
      const socket = connect(port, '127.0.0.1');
      socket.end('ping');
      const [echo] = (await once(socket, 'data')) as [Buffer];
      ran.push(`echo ${echo.toString()}`);
      socket.destroy();
      expect(ran).toEqual(['immediate', 'timeout 0', 'echo ping']);
      expect(resolved).toBe(false);
      clock.set(3);
      await wait;
      expect(resolved).toBe(true);
    } finally {
      clock.restore();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('preciseTimer', () => {
  it('calls back once the deadline is reached, never synchronously, even for a deadline already past', async () => {
    for (const inMs of [-5, 0, 2, 6]) {
      const deadlineMs = performance.now() + inMs;
      let firedAtMs: number | undefined;
      const fired = new Promise<void>((r) => preciseTimer(deadlineMs, () => r(void (firedAtMs = performance.now()))));
      expect(firedAtMs).toBeUndefined();
      await fired;
      expect(firedAtMs).toBeGreaterThanOrEqual(deadlineMs);
    }
  });

  it('cancel stops the callback and leaves nothing pending, in either phase', async () => {
    for (const inMs of [1, 50]) {
      let fired = false;
      const before = pendingHandles();
      const cancel = preciseTimer(performance.now() + inMs, () => (fired = true));
      expect(pendingHandles()).toBe(before + 1);
      cancel();
      expect(pendingHandles()).toBe(before);
      await realSleep(inMs + 10);
      expect(fired).toBe(false);
    }
  });
});
