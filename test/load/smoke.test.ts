/**
 * The load harness's smoke profile, end to end: a real `screenline serve` process, synthetic Twilio callers in
 * their own process, the provider simulators here, every phase (ramp, 2× peak, spike from zero, soak). Asserts that
 * the harness works and reports (calls placed and measured through the sockets, the service's metrics scraped,
 * the generator's own health, the budget table), never the timing figures: those belong to `npm run load` on a
 * quiet machine.
 */
import { describe, expect, it } from 'vitest';
import { runLoad } from '../../src/sim/load/run-load.js';
import { budgetChecks, loadReportLines, smokePhases } from '../../src/sim/load/report.js';

describe('npm run load -- --profile smoke', () => {
  it('runs every phase against a real service over real sockets and prints the budget table', async () => {
    const report = await runLoad({ phases: smokePhases(2), workers: 1, generators: 1, callMaxMs: 60_000, seed: 7, ttsMsPerChar: 25 });
    expect(report.problems).toEqual([]);
    expect(report.serviceExitedCleanly).toBe(true);
    expect(report.phases.map((p) => p.name)).toEqual(['ramp', '2x peak', 'spike', 'soak']);
    const [ramp, double, spike] = report.phases;
    expect(ramp!.peakActive).toBe(2);
    expect(double!.peakActive).toBe(4);
    expect(spike!.callsStarted).toBe(2); // the spike starts from zero
    const all = report.phases.reduce((n, p) => n + p.callsEnded, 0);
    expect(all).toBe(report.phases.reduce((n, p) => n + p.callsStarted, 0));
    // Every call reported how it ended (on a loaded machine a call may time out: the report names it, and the
    // failed-or-dropped budget row counts it).
    for (const p of report.phases) for (const o of Object.keys(p.outcomes)) expect(['completed', 'server_ended', 'dropped', 'failed', 'protocol_errors']).toContain(o);
    // Measured through the sockets: agent audio reached the callers, and at least one turn was answered and timed.
    expect(report.phases.reduce((n, p) => n + p.jitter.n, 0)).toBeGreaterThan(100);
    expect(report.overall.turns, loadReportLines(report).join('\n')).toBeGreaterThan(0);
    expect(report.overall.callerStopToFirstAudio.p50).toBeGreaterThan(0);
    expect(report.overall.turnOverhead.n).toBeGreaterThan(0);
    // Every timed turn had its three simulators' own waits tied to it (tags through STT, model and TTS).
    expect(report.overall.simulatorsLate.n).toBe(report.overall.turnOverhead.n);
    // The turns after each ramp are a subset of the phase's (the ramp is 1 s; answers come seconds into a call).
    expect(report.overall.turnOverheadAfterRamp.n).toBeGreaterThan(0);
    expect(report.overall.turnOverheadAfterRamp.n).toBeLessThanOrEqual(report.overall.turnOverhead.n);
    // The service's /metrics and process tree, and the generator's own health, were sampled.
    expect(report.overall.serviceLagP99Ms).toBeTypeOf('number');
    expect(report.overall.serviceRssMb).toBeGreaterThan(0);
    expect(report.overall.generatorCpuPercent).toBeTypeOf('number');
    // The machine's floor was probed beside the load, in every judged phase.
    expect(report.overall.hopFloor.n).toBeGreaterThan(0);
    // And an almost idle process's lag and 20 ms timer, measured as the service's are.
    expect(report.overall.idleFloor.timerLate.n).toBeGreaterThan(0);
    expect(report.overall.idleFloor.lagP99Ms).toBeTypeOf('number');
    // And how long the web processes, the callers and the simulators waited for a core.
    expect(report.overall.coreWait.web?.runMsPerS).toBeGreaterThan(0);
    expect(report.overall.coreWait.callers?.runMsPerS).toBeGreaterThan(0);
    expect(report.overall.coreWait.simulators?.runMsPerS).toBeGreaterThan(0);
    const lines = loadReportLines(report).join('\n');
    expect(lines).toMatch(/\| budget \(ARCHITECTURE §8\)/);
    for (const c of budgetChecks(report.overall)) expect(lines).toContain(c.name);
    expect(lines).toMatch(/\| (PASS|OVER) +\|/);
    expect(lines).toMatch(/load generator: /);
    expect(lines).toContain('simulators late (STT + model + TTS, their clock)');
    expect(lines).toContain("machine floor (a turn's 4 loopback round trips, idle processes)");
    expect(lines).toContain("idle process: lag p99 / max (as the service's); 20 ms timer late");
    expect(report.machineSpeed.beforeUs).toBeGreaterThan(0);
    expect(report.machineSpeed.afterUs).toBeGreaterThan(0);
    expect(lines).toMatch(/^machine speed: the inbound frame path took [0-9.]+ µs per frame before the run/m);
    expect(lines).toContain('ms waiting for one, per s');
    expect(lines).toContain('turn overhead after the ramp (no call being set up)');
    // ~30 s on an idle machine; the bound is for a saturated one (the service boots under tsx).
  }, 240_000);
});
