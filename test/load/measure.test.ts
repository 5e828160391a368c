/** The load harness's own arithmetic: jitter as the caller receives it, the scripts' tags, the histogram. */
import { describe, expect, it } from 'vitest';
import { frameJitter } from '../../src/sim/load/measure.js';
import { LoadHistogram } from '../../src/sim/load/histogram.js';
import { callScript, lastTag } from '../../src/sim/load/scenario.js';
import { budgetChecks, holds } from '../../src/sim/load/report.js';
import type { PhaseReport } from '../../src/sim/load/run-load.js';

const FRAME = 160; // bytes of 20 ms mu-law

/** A reply as it arrives: a burst of `lead` frames at t0, then one frame per 20 ms (plus `late[i]`). */
function arrivals(t0: number, frames: number, lead = 5, late: Record<number, number> = {}) {
  return Array.from({ length: frames }, (_, i) => ({ atMs: t0 + Math.max(0, i - lead + 1) * 20 + (late[i] ?? 0), bytes: FRAME }));
}

describe('frameJitter', () => {
  it('is zero for frames on a real-time schedule, and leaves the pacer lead out', () => {
    const h = [...frameJitter(arrivals(1000, 60), []).values()][0]!;
    expect(h.count).toBe(60 - 6); // frames inside the first 120 ms of audio are not judged
    expect(h.quantiles()).toMatchObject({ p50: 0, p99: 0, max: 0 });
  });

  it('reports how late a frame arrived against the best case of its run', () => {
    const h = [...frameJitter(arrivals(0, 60, 5, { 30: 7, 40: 3 }), []).values()][0]!;
    expect(h.max).toBeCloseTo(7, 5);
    expect(h.percentile(1)).toBeCloseTo(7, 5);
    expect(h.percentile(0.5)).toBe(0);
  });

  it('starts a new run after a gap or a clear, so a new reply is not judged against the old schedule', () => {
    const first = arrivals(0, 30);
    const second = arrivals(first.at(-1)!.atMs + 500, 30); // the next reply, 500 ms later
    const h = [...frameJitter([...first, ...second], []).values()][0]!;
    expect(h.max).toBe(0);
    const cleared = arrivals(0, 40);
    const resumed = arrivals(cleared[19]!.atMs + 25, 20); // a clear at frame 20; the next reply follows at once
    const joined = [...cleared.slice(0, 20), ...resumed];
    const withClear = [...frameJitter(joined, [cleared[19]!.atMs + 1]).values()][0]!;
    expect(withClear.max).toBe(0);
  });

  it('files each frame under its window', () => {
    const byWindow = frameJitter(arrivals(0, 60), [], (at) => (at < 500 ? 0 : 1));
    expect([...byWindow.keys()].sort()).toEqual([0, 1]);
  });
});

describe('scripts and tags', () => {
  it('tags every line, and the tag a model request quotes is the last one in its text', () => {
    const script = callScript(17, 12);
    expect(script[0]).toMatchObject({ kind: 'consent', tag: 'k17x0' });
    expect(script.map((l) => l.kind)).toContain('backchannel');
    expect(script.map((l) => l.kind)).toContain('barge_in');
    for (const l of script.filter((x) => x.kind !== 'backchannel')) expect(lastTag(l.text)).toBe(l.tag);
    expect(lastTag('Thanks, I heard: "We moved the jobs k3x1". And k3x4?')).toBe('k3x4');
    expect(lastTag('no tag')).toBeUndefined();
  });
});

describe('LoadHistogram and the budget verdicts', () => {
  it('merges sparse histograms across processes', () => {
    const a = new LoadHistogram();
    const b = new LoadHistogram();
    for (let i = 1; i <= 99; i++) a.record(i);
    b.record(1000);
    const m = new LoadHistogram();
    m.merge(a.toSparse());
    m.merge(JSON.parse(JSON.stringify(b.toSparse())) as ReturnType<LoadHistogram['toSparse']>);
    expect(m.quantiles()).toMatchObject({ n: 100, p50: 50, p99: 99, max: 1000 });
  });

  it('a budget with no samples is not a pass', () => {
    const empty = { turnOverhead: { n: 0 }, bargeIn: { n: 0 }, jitter: { n: 0 }, outcomes: {} } as unknown as PhaseReport;
    expect(budgetChecks(empty).filter((c) => c.pass === undefined).length).toBe(5);
    expect(holds(empty)).toBe(false);
  });
});
