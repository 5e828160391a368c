/** Load profiles and the printed report: per-phase figures and each ARCHITECTURE §8 budget with PASS/OVER. */
import type { LoadReport, Phase, PhaseReport } from './run-load.js';

export const BUDGETS = { turnOverheadP99Ms: 10, bargeInP99Ms: 150, jitterP99Ms: 5, eventLoopLagP99Ms: 20, memoryPerCallKb: 1000 } as const;
/** The generator counts as saturated (figures pessimistic) above these. */
export const GENERATOR_LIMITS = { lagP99Ms: 10, cpuPercent: 85 } as const;

/** Short: every phase runs, and the ramp's calls (with the fast smoke voice) live long enough for a turn or two. */
export function smokePhases(calls: number, soakMs = 2000): Phase[] {
  return [
    { name: 'ramp', target: calls, rampMs: 1000, holdMs: 10_000, untilTurns: 1, maxHoldMs: 45_000, judged: true },
    { name: '2x peak', target: calls * 2, rampMs: 500, holdMs: 2000, judged: false },
    { name: 'spike', target: calls, rampMs: 500, holdMs: 2500, fromZero: true, judged: true },
    { name: 'soak', target: calls, rampMs: 0, holdMs: soakMs, judged: true },
  ];
}

export function fullPhases(calls: number, soakMs = 300_000): Phase[] {
  return [
    { name: 'ramp', target: calls, rampMs: 60_000, holdMs: 30_000, judged: true },
    { name: '2x peak', target: calls * 2, rampMs: 30_000, holdMs: 30_000, judged: false },
    { name: 'spike', target: calls, rampMs: 30_000, holdMs: 30_000, fromZero: true, judged: true },
    { name: 'soak', target: calls, rampMs: 0, holdMs: soakMs, judged: true },
  ];
}

export const FIND_MAX_LEVELS = [50, 100, 200, 300, 500, 750, 1000];

export function findMaxPhases(levels: number[], holdMs: number): Phase[] {
  return levels.map((n) => ({ name: `${n} calls`, target: n, rampMs: Math.max(5000, n * 100), holdMs, fromZero: true, judged: true }));
}

export interface BudgetCheck {
  name: string;
  measured: number | undefined;
  unit: string;
  limit: string;
  pass: boolean | undefined;
}

export function budgetChecks(p: PhaseReport): BudgetCheck[] {
  const check = (name: string, measured: number | undefined, limit: number, unit = 'ms'): BudgetCheck => ({
    name,
    measured,
    unit,
    limit: `< ${limit} ${unit}`,
    pass: measured === undefined ? undefined : measured < limit,
  });
  const failures = (p.outcomes.failed ?? 0) + (p.outcomes.dropped ?? 0);
  return [
    check('turn overhead p99 (caller stopped → first agent audio − simulated waits)', p.turnOverhead.p99, BUDGETS.turnOverheadP99Ms),
    ...(p.service ? [check('turn overhead p99, service clock (STT final → first frame sent − model − TTS)', p.service.turnOverhead.p99, BUDGETS.turnOverheadP99Ms)] : []),
    check('barge-in p99 (speech onset → clear, as the caller sees it)', p.bargeIn.p99, BUDGETS.bargeInP99Ms),
    check('outbound jitter p99 (as the caller receives it)', p.jitter.p99, BUDGETS.jitterP99Ms),
    check('event-loop lag p99 (worst service process)', p.serviceLagP99Ms, BUDGETS.eventLoopLagP99Ms),
    check('memory per call (RSS growth of the web processes / peak calls)', p.rssKbPerCall, BUDGETS.memoryPerCallKb, 'KB'),
    { name: 'failed or dropped calls', measured: failures, unit: '', limit: '0', pass: failures === 0 },
  ];
}

/** All budgets met (a budget with no measurement does not count as met). */
export function holds(p: PhaseReport): boolean {
  return budgetChecks(p).every((c) => c.pass === true);
}

export function generatorSaturated(p: PhaseReport): boolean {
  return (p.generatorLagP99Ms ?? 0) > GENERATOR_LIMITS.lagP99Ms || (p.generatorCpuPercent ?? 0) > GENERATOR_LIMITS.cpuPercent;
}

const f = (v: number | undefined, d = 1) => (v === undefined ? '–' : v.toFixed(d));
const q3 = (x: { p50?: number; p95?: number; p99?: number }) => `${f(x.p50)}/${f(x.p95)}/${f(x.p99)}`;

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

export function phaseTable(phases: PhaseReport[]): string[] {
  return table(
    ['phase', 'calls (target/peak/started)', 'turns', 'overhead p50/p95/p99 ms', 'barge-in p50/p95/p99 ms', 'jitter p50/p95/p99 ms', 'lag p99/max ms', 'CPU % / per call', 'RSS MB / KB per call', 'generator lag p99 ms / CPU %', 'failed+dropped'],
    phases.map((p) => [
      p.name + (p.judged ? '' : ' (not judged)'),
      `${p.target}/${p.peakActive}/${p.callsStarted}`,
      `${p.turns}${p.turnsUnmatched ? ` (${p.turnsUnmatched} unmatched)` : ''}`,
      q3(p.turnOverhead),
      `${q3(p.bargeIn)}${p.bargeInNoClear ? ` (${p.bargeInNoClear} no clear)` : ''}`,
      q3(p.jitter),
      `${f(p.serviceLagP99Ms)}/${f(p.serviceLagMaxMs)}`,
      `${f(p.serviceCpuPercent, 0)} / ${f(p.cpuPercentPerCall, 2)}`,
      `${f(p.serviceRssMb, 0)} / ${f(p.rssKbPerCall, 0)}`,
      `${f(p.generatorLagP99Ms)} / ${f(p.generatorCpuPercent, 0)}`,
      String((p.outcomes.failed ?? 0) + (p.outcomes.dropped ?? 0)),
    ]),
  );
}

/** Where a turn's time goes, on the service's clock (PostgreSQL runs: read from its `turn.metrics`). */
export function serviceLegTable(phases: PhaseReport[]): string[] {
  const withService = phases.filter((p) => p.service);
  if (!withService.length) return [];
  return table(
    ['phase (service clock, ms p50/p95/p99)', 'STT leg − simulated', 'turn decision', 'model first token − draw', 'TTS first byte − simulated', 'overhead (STT final → first frame − model − TTS)'],
    withService.map((p) => [p.name, q3(p.service!.sttLeg), q3(p.service!.turnDecision), q3(p.service!.llmLeg), q3(p.service!.ttsLeg), `${q3(p.service!.turnOverhead)} (n=${p.service!.turnOverhead.n})`]),
  );
}

/**
 * The test rig's share: the simulators run in the harness process on timers (precise-wait.ts), whose remaining
 * lateness and the process's pauses land in the caller's wait. Shown apart so the service's own overhead can be read, beside the machine's floor (the same
 * hops with no work in them, and an almost idle process's lag and 20 ms timer, hop-probe.ts); the budget verdict uses none of them.
 */
export function rigTable(phases: PhaseReport[]): string[] {
  const withRig = phases.filter((p) => p.simulatorsLate.n > 0 || p.hopFloor.n > 0 || p.idleFloor.timerLate.n > 0);
  if (!withRig.length) return [];
  return table(
    ['phase (ms p50/p95/p99)', 'simulators late (STT + model + TTS, their clock)', 'of which STT / model / TTS, p50 (p99)', 'turn overhead over the waits they actually took', 'turn overhead after the ramp (no call being set up)', "machine floor (a turn's 4 loopback round trips, idle processes)", 'idle process: lag p99 / max (as the service\'s); 20 ms timer late'],
    withRig.map((p) => [
      p.name,
      q3(p.simulatorsLate),
      (['stt', 'llm', 'tts'] as const).map((leg) => `${f(p.simulatorsLateByLeg[leg].p50)} (${f(p.simulatorsLateByLeg[leg].p99)})`).join(' / '),
      `${q3(p.turnOverheadOverActual)} (n=${p.turnOverheadOverActual.n} of ${p.turns})`,
      `${q3(p.turnOverheadAfterRamp)} (n=${p.turnOverheadAfterRamp.n})`,
      `${q3(p.hopFloor)} (n=${p.hopFloor.n})`,
      `${f(p.idleFloor.lagP99Ms)} / ${f(p.idleFloor.lagMaxMs)}; ${q3(p.idleFloor.timerLate)} (n=${p.idleFloor.timerLate.n})`,
    ]),
  );
}

const CORE_WAIT_GROUPS = [
  ['web', 'web processes'],
  ['callers', 'callers'],
  ['simulators', 'simulators (harness)'],
  ['jobs', 'jobs worker'],
] as const;

/**
 * Waiting for a core (core-wait.ts): per part of the run, CPU time and time runnable but not running, per second,
 * and the mean wait per time on a core: the contention between the run's processes plus the machine's cost of
 * waking a thread, which every hop of a turn pays.
 */
export function coreWaitTable(phases: PhaseReport[]): string[] {
  const withWait = phases.filter((p) => Object.keys(p.coreWait).length > 0);
  if (!withWait.length) return ['waiting for a core: no /proc/<pid>/task/<tid>/schedstat here (not measured)'];
  return table(
    ['phase (ms on a core / ms waiting for one, per s; µs per wait)', ...CORE_WAIT_GROUPS.map(([, label]) => label)],
    withWait.map((p) => [
      p.name,
      ...CORE_WAIT_GROUPS.map(([group]) => {
        const c = p.coreWait[group];
        return c ? `${f(c.runMsPerS, 0)} / ${f(c.waitMsPerS, 0)}; ${f(c.waitUsPerSlice, 0)} µs` : '–';
      }),
    ]),
  );
}

export function budgetTable(p: PhaseReport): string[] {
  return table(
    ['budget (ARCHITECTURE §8)', 'measured', 'limit', 'verdict'],
    budgetChecks(p).map((c) => [c.name, c.measured === undefined ? 'no samples' : `${f(c.measured)} ${c.unit}`.trim(), c.limit, c.pass === undefined ? 'NO DATA' : c.pass ? 'PASS' : 'OVER']),
  );
}

/**
 * Over this, the two speed readings of one run disagree by more than readings on a steady machine do (back-to-back
 * readings here differ by 7–9 %).
 */
export const SPEED_CHANGE_WARN_PERCENT = 20;

/** The same build runs slower on a slower (or busier) host: compare runs only at about the same speed. */
export function machineSpeedLines(m: LoadReport['machineSpeed']): string[] {
  const x = (us: number) => (us / m.reference.us).toFixed(2);
  const lines = [
    `machine speed: the inbound frame path took ${m.beforeUs.toFixed(2)} µs per frame before the run and ${m.afterUs.toFixed(2)} after (${x(m.beforeUs)}× and ${x(m.afterUs)}× the ${m.reference.us} µs of ${m.reference.measuredOn}; compare runs at similar speeds only)`,
  ];
  const changePercent = (Math.abs(m.afterUs - m.beforeUs) / Math.min(m.beforeUs, m.afterUs)) * 100;
  if (changePercent > SPEED_CHANGE_WARN_PERCENT) lines.push(`machine speed CHANGED by ${changePercent.toFixed(0)} % during the run: its levels are not comparable with each other`);
  return lines;
}

/** What ran and what is subtracted: the first lines of every report. */
export function headerLines(r: LoadReport): string[] {
  return [
    `load run: ${r.workers} service process(es) from ${r.serviceFrom === 'dist' ? 'dist/' : 'src/ via tsx'}, ${r.database}, queue ${r.queue}, ${r.generators} caller process(es), ${(r.durationMs / 1000).toFixed(0)} s`,
    `subtracted per turn: ${r.subtractedNote}; service RSS at idle ${r.baselineRssMb} MB (web processes ${r.baselineCallRssMb} MB)`,
    `TTS requests: ${r.ttsRequests.wsWithText} sentences over sockets opened ahead (${r.ttsRequests.ws} opened), ${r.ttsRequests.http} over HTTP`,
    ...machineSpeedLines(r.machineSpeed),
  ];
}

export function loadReportLines(r: LoadReport): string[] {
  const o = r.overall;
  const lines = [
    ...headerLines(r),
    '',
    ...phaseTable(r.phases),
    '',
    ...serviceLegTable(r.phases),
    '',
    ...rigTable(r.phases),
    '',
    ...coreWaitTable(r.phases),
    '',
    ...budgetTable(o),
    '',
    generatorSaturated(o)
      ? `load generator: SATURATED (lag p99 ${f(o.generatorLagP99Ms)} ms, CPU ${f(o.generatorCpuPercent, 0)} %): figures are pessimistic`
      : `load generator: not the bottleneck (lag p99 ${f(o.generatorLagP99Ms)} ms < ${GENERATOR_LIMITS.lagP99Ms}, CPU ${f(o.generatorCpuPercent, 0)} % < ${GENERATOR_LIMITS.cpuPercent}); simulators' process lag p99 ${f(o.harnessLagP99Ms)} ms`,
    `service on SIGTERM: ${r.serviceExitedCleanly ? 'drained and exited 0' : 'DID NOT exit cleanly'}${r.jobsWorkerCpuPercent !== undefined ? `; screenline worker (jobs) used ${f(r.jobsWorkerCpuPercent)} % CPU on average` : ''}`,
  ];
  if (o.errors.length) lines.push('errors:', ...o.errors.map((e) => `  - ${e}`));
  if (r.problems.length) lines.push(`PROBLEMS (${r.problems.length}):`, ...r.problems.map((p) => `  - ${p}`));
  return lines;
}

/** --find-max: each level's budgets, the largest that held, and how the figures grew. */
export function findMaxLines(r: LoadReport): string[] {
  const held = r.phases.filter((p) => holds(p));
  const best = held.length ? Math.max(...held.map((p) => p.target)) : undefined;
  return [
    ...headerLines(r),
    '',
    ...phaseTable(r.phases),
    '',
    ...serviceLegTable(r.phases),
    '',
    ...rigTable(r.phases),
    '',
    ...coreWaitTable(r.phases),
    '',
    ...table(
      ['level', ...budgetChecks(r.phases[0] ?? r.overall).map((c) => c.name.split(' (')[0]!), 'generator', 'holds'],
      r.phases.map((p) => [
        p.name,
        ...budgetChecks(p).map((c) => (c.pass === undefined ? 'no data' : `${f(c.measured)} ${c.pass ? 'PASS' : 'OVER'}`)),
        generatorSaturated(p) ? 'SATURATED' : 'ok',
        holds(p) ? 'yes' : 'no',
      ]),
    ),
    '',
    best === undefined ? 'largest concurrent calls within every budget: none of the levels run' : `largest concurrent calls within every budget: ${best}`,
    ...memorySlopeLines(r.phases),
  ];
}

/**
 * The marginal memory of a call: the growth of the web processes' peak RSS from the lowest level to the highest,
 * per added call. Each level's own figure divides by few calls the heap V8 keeps or gives back as it pleases, so at
 * low levels it is noise; the slope is not.
 */
export function memorySlopeLines(phases: PhaseReport[]): string[] {
  const levels = phases.filter((p) => p.callRssPeakMb !== undefined && p.peakActive > 0).sort((a, b) => a.peakActive - b.peakActive);
  const lo = levels[0];
  const hi = levels.at(-1);
  if (!lo || !hi || hi.peakActive <= lo.peakActive) return [];
  const kbPerCall = ((hi.callRssPeakMb! - lo.callRssPeakMb!) * 1000) / (hi.peakActive - lo.peakActive);
  return [
    `memory per added call (web processes' peak RSS, ${lo.peakActive} → ${hi.peakActive} calls): ${kbPerCall.toFixed(0)} KB (budget < ${BUDGETS.memoryPerCallKb} KB: ${kbPerCall < BUDGETS.memoryPerCallKb ? 'PASS' : 'OVER'})`,
  ];
}
