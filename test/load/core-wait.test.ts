/** Waiting for a core: Linux's per-thread schedstat, summed per group of processes (src/sim/load/core-wait.ts). */
import { describe, expect, it } from 'vitest';
import { coreWaitOver, groupSched, processSched, type CoreWaitSample } from '../../src/sim/load/core-wait.js';

const at = (atEpochMs: number, web?: [number, number, number]): CoreWaitSample => ({
  atEpochMs,
  groups: web ? { web: { runNs: web[0], waitNs: web[1], slices: web[2] } } : {},
});

describe('core wait', () => {
  it("reads this process's threads: CPU time grows with work", async () => {
    const before = await processSched(process.pid);
    expect(before).toBeDefined();
    // 30 ms on a core, by the process's own CPU clock (wall time would count waits for a core too).
    const cpu = process.cpuUsage();
    while (process.cpuUsage(cpu).user < 30_000);
    const after = (await processSched(process.pid))!;
    expect(after.runNs - before!.runNs).toBeGreaterThanOrEqual(25e6);
    expect(after.slices).toBeGreaterThanOrEqual(before!.slices);
    expect(await processSched(2 ** 22 + 12345)).toBeUndefined();
    const both = (await groupSched([process.pid, process.pid]))!;
    expect(both.runNs).toBeGreaterThanOrEqual(2 * after.runNs);
  });

  it('turns counters into per-second figures and the mean wait per slice, window by window', () => {
    // 2 s: 400 ms on a core, 100 ms waiting, over 1000 slices; then a second window of 1 s: 100 ms / 50 ms / 500.
    const w1 = [at(0, [1e9, 1e9, 10_000]), at(1000, [1.2e9, 1.05e9, 10_500]), at(2000, [1.4e9, 1.1e9, 11_000])];
    const w2 = [at(10_000, [5e9, 2e9, 20_000]), at(11_000, [5.1e9, 2.05e9, 20_500])];
    expect(coreWaitOver([w1])).toEqual({ web: { runMsPerS: 200, waitMsPerS: 50, waitUsPerSlice: 100 } });
    // The gap between the windows is not counted.
    expect(coreWaitOver([w1, w2])).toEqual({ web: { runMsPerS: 166.7, waitMsPerS: 50, waitUsPerSlice: 100 } });
  });

  it('leaves out a group whose counts fell (it lost a process), and windows with one sample', () => {
    expect(coreWaitOver([[at(0, [5e9, 1e9, 100]), at(1000, [1e9, 0.5e9, 50])]])).toEqual({});
    expect(coreWaitOver([[at(0, [5e9, 1e9, 100])]])).toEqual({});
    expect(coreWaitOver([[at(0), at(1000)]])).toEqual({});
  });
});
