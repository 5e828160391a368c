/**
 * How long each part of a load run waited for a core: Linux's per-thread scheduler statistics
 * (`/proc/<pid>/task/<tid>/schedstat`: time on a CPU, time runnable but waiting on a run queue, and timeslices run),
 * summed over every thread of a group's processes. A turn crosses several processes; time one of them spends
 * runnable but not running lands in the turn as surely as its own work does, and on a shared 2-core machine this is
 * the part no code of ours can remove. Where the file does not exist (not Linux, schedstats off), groups read as
 * absent and the report says so.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface SchedCounters {
  runNs: number;
  waitNs: number;
  slices: number;
}

export type CoreWaitGroup = 'web' | 'callers' | 'simulators' | 'jobs';

export interface CoreWaitSample {
  atEpochMs: number;
  groups: Partial<Record<CoreWaitGroup, SchedCounters>>;
}

export interface CoreWaitFigures {
  /** CPU time per second of wall time, ms (1000 = one core). */
  runMsPerS: number;
  /** Time runnable but waiting for a core, per second of wall time, ms. */
  waitMsPerS: number;
  /** The mean wait each time a thread was put on a core, µs. */
  waitUsPerSlice: number;
}

/** The counters of one process, all its threads (the main thread and V8's and libuv's helpers) together. */
export async function processSched(pid: number): Promise<SchedCounters | undefined> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (!tids) return undefined;
  const total: SchedCounters = { runNs: 0, waitNs: 0, slices: 0 };
  let any = false;
  for (const tid of tids) {
    const text = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '');
    const [run, wait, slices] = text.trim().split(/\s+/).map(Number);
    if (run === undefined || wait === undefined || slices === undefined || [run, wait, slices].some(Number.isNaN)) continue;
    total.runNs += run;
    total.waitNs += wait;
    total.slices += slices;
    any = true;
  }
  return any ? total : undefined;
}

export async function groupSched(pids: number[]): Promise<SchedCounters | undefined> {
  let total: SchedCounters | undefined;
  for (const pid of pids) {
    const c = await processSched(pid);
    if (!c) continue;
    total ??= { runNs: 0, waitNs: 0, slices: 0 };
    total.runNs += c.runNs;
    total.waitNs += c.waitNs;
    total.slices += c.slices;
  }
  return total;
}

/**
 * Each group's figures over the windows given (each window: its samples, in order), from the first to the last
 * sample of each window, windows added together. Counters are cumulative per thread; a thread that ended takes its
 * counts with it, so a window where a group's counts fell (it lost a process) is left out for that group.
 */
export function coreWaitOver(windows: CoreWaitSample[][]): Partial<Record<CoreWaitGroup, CoreWaitFigures>> {
  const sums = new Map<CoreWaitGroup, { run: number; wait: number; slices: number; seconds: number }>();
  for (const samples of windows) {
    const first = samples[0];
    const last = samples.at(-1);
    if (!first || !last || last.atEpochMs <= first.atEpochMs) continue;
    const seconds = (last.atEpochMs - first.atEpochMs) / 1000;
    for (const group of Object.keys(last.groups) as CoreWaitGroup[]) {
      const a = first.groups[group];
      const b = last.groups[group];
      if (!a || !b) continue;
      const d = { run: b.runNs - a.runNs, wait: b.waitNs - a.waitNs, slices: b.slices - a.slices };
      if (d.run < 0 || d.wait < 0 || d.slices < 0) continue;
      const sum = sums.get(group) ?? { run: 0, wait: 0, slices: 0, seconds: 0 };
      sums.set(group, { run: sum.run + d.run, wait: sum.wait + d.wait, slices: sum.slices + d.slices, seconds: sum.seconds + seconds });
    }
  }
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const out: Partial<Record<CoreWaitGroup, CoreWaitFigures>> = {};
  for (const [group, s] of sums) {
    if (s.slices === 0 || s.seconds === 0) continue;
    out[group] = { runMsPerS: r1(s.run / 1e6 / s.seconds), waitMsPerS: r1(s.wait / 1e6 / s.seconds), waitUsPerSlice: r1(s.wait / 1e3 / s.slices) };
  }
  return out;
}
