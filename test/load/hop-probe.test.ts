/** The hop probe: two idle processes chaining loopback round trips beside a load run (src/sim/load/hop-probe.ts). */
import { describe, expect, it } from 'vitest';
import { startHopProbe } from '../../src/sim/load/hop-probe.js';
import { processAlive } from '../helpers/process-alive.js';

describe('hop probe', () => {
  it('reports timed chains of round trips and the echo process\'s own lag and timer from its two processes, and stops both', async () => {
    const probe = await startHopProbe({ from: 'src', everyMs: 20, idleWindowMs: 500 });
    try {
      expect(probe.roundTrips).toBe(4);
      expect(probe.pids).toHaveLength(2);
      expect(new Set(probe.pids).size).toBe(2);
      expect(probe.pids).not.toContain(process.pid);
      const until = Date.now() + 20_000;
      while (probe.samples.length < 10 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(probe.samples.length).toBeGreaterThanOrEqual(10);
      for (const s of probe.samples) {
        expect(s.chainMs).toBeGreaterThan(0);
        expect(Number.isFinite(s.chainMs)).toBe(true);
      }
      const at = probe.samples.map((s) => s.atEpochMs);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      // The echo process's own lag and 20 ms timer, one entry per 500 ms window: about 25 ticks each.
      while (probe.idle.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(probe.idle.length).toBeGreaterThanOrEqual(3);
      for (const w of probe.idle.slice(1)) {
        expect(w.timerLateMs.length).toBeGreaterThanOrEqual(15);
        expect(w.timerLateMs.length).toBeLessThanOrEqual(35);
        for (const ms of w.timerLateMs) expect(ms).toBeGreaterThanOrEqual(0);
        expect(w.lagMaxMs).toBeGreaterThanOrEqual(w.lagP99Ms);
        expect(w.lagP99Ms).toBeGreaterThanOrEqual(0);
      }
    } finally {
      await probe.stop();
    }
    for (const pid of probe.pids) expect(processAlive(pid)).toBe(false);
    const n = probe.samples.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(probe.samples.length).toBe(n);
  }, 30_000);
});
