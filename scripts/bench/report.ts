/** Tables for `npm run bench`: every figure next to its budget (ARCHITECTURE.md §8) with PASS / OVER. */
import type { Row } from './audio-frames.js';
import type { PipelineResult, TurnBreakdown } from './voice-pipeline.js';
import type { Summary } from './stats.js';

export type Status = 'PASS' | 'OVER' | 'info' | 'n/a';

export interface Budget {
  label: string;
  /** Upper bound for the judged figure. */
  max?: number;
}

/** §8 budgets (goals), plus the derived per-frame cost budget explained in docs/benchmarks.md. */
export const BUDGETS = {
  turnOverheadP99Ms: 10,
  bargeInP99Ms: 150,
  jitterP99Ms: 5,
  memoryPerCallKb: 1024,
  /** Derived: 500 calls × 50 frames/s each way within 20% of one core per direction → 8 µs per frame. */
  frameCostUs: 8,
  /** RSS deltas below this many calls are allocator noise, not a per-call figure. */
  memoryMinCalls: 50,
};

export function judge(value: number | undefined, max: number | undefined): Status {
  if (max === undefined) return 'info';
  if (value === undefined) return 'n/a';
  return value < max ? 'PASS' : 'OVER';
}

/** Plain fixed-width table: the first `leftColumns` columns left-aligned, the rest right-aligned. */
export function table(title: string, header: string[], rows: (string | number | undefined)[][], leftColumns = 1): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === undefined ? '–' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [title, rule, line(cells[0]!), rule, ...cells.slice(1).map(line), rule].join('\n');
}

const fmt = (x: number | undefined, digits = 2) => (x === undefined ? undefined : x.toFixed(digits));

export function audioTable(rows: Row[]): string {
  const body = rows.map((r) => {
    if (r.usPerOp !== undefined) {
      return [r.bench, r.ops, fmt(r.usPerOp, 3), undefined, undefined, undefined, `< ${BUDGETS.frameCostUs} µs/frame (derived)`, judge(r.usPerOp, BUDGETS.frameCostUs)];
    }
    return [r.bench, r.ops, undefined, fmt(r.p50Ms), fmt(r.p99Ms), fmt(r.maxMs), `p99 < ${BUDGETS.jitterP99Ms} ms`, judge(r.p99Ms, BUDGETS.jitterP99Ms)];
  });
  return table('Audio frame path (scripts/bench/audio-frames.ts)', ['benchmark', 'ops', 'µs/op', 'p50 ms', 'p99 ms', 'max ms', 'budget', 'status'], body);
}

function summaryRow(calls: number, metric: string, s: Summary, budget: string, status: Status): (string | number | undefined)[] {
  return [String(calls), metric, s.n, fmt(s.p50), fmt(s.p99), fmt(s.max), budget, status];
}

export function pipelineTable(results: PipelineResult[]): string {
  const rows: (string | number | undefined)[][] = [];
  for (const r of results) {
    const over = r.turns.overhead;
    rows.push(summaryRow(r.calls, `turn overhead (stop→first frame − ${r.subtractedMs} ms)`, over, `p99 < ${BUDGETS.turnOverheadP99Ms} ms`, judge(over.p99, BUDGETS.turnOverheadP99Ms)));
    const core = r.turns.breakdown.coreOnly;
    rows.push(summaryRow(r.calls, '  of which our code (no sim-timer lateness)', core, `p99 < ${BUDGETS.turnOverheadP99Ms} ms`, judge(core.p99, BUDGETS.turnOverheadP99Ms)));
    const bo = r.turns.bargedInOverhead;
    rows.push(summaryRow(r.calls, '  turn overhead after a barge-in', bo, `p99 < ${BUDGETS.turnOverheadP99Ms} ms`, judge(bo.p99, BUDGETS.turnOverheadP99Ms)));
    const b = r.bargeIn.onsetToClear;
    rows.push(summaryRow(r.calls, 'barge-in onset → clear', b, `p99 < ${BUDGETS.bargeInP99Ms} ms`, judge(b.p99, BUDGETS.bargeInP99Ms)));
    rows.push(summaryRow(r.calls, 'outbound frame jitter', r.jitter, `p99 < ${BUDGETS.jitterP99Ms} ms`, judge(r.jitter.p99, BUDGETS.jitterP99Ms)));
    rows.push(summaryRow(r.calls, `event-loop lag (GC: ${r.gcPauses.count} pauses, max ${r.gcPauses.maxMs} ms)`, r.eventLoopLag, '–', 'info'));
    const memOk = r.calls >= BUDGETS.memoryMinCalls;
    rows.push([
      String(r.calls),
      `RSS per call (heap ${r.memory.heapPerCallKb} KB)`,
      undefined,
      undefined,
      undefined,
      `${r.memory.rssPerCallKb} KB`,
      `< ${BUDGETS.memoryPerCallKb} KB`,
      memOk ? judge(r.memory.rssPerCallKb, BUDGETS.memoryPerCallKb) : 'n/a',
    ]);
    rows.push([String(r.calls), `CPU ${r.cpuPercent}% of one core · host load ${r.hostLoad.start}→${r.hostLoad.end} · missed ${r.turns.missed}`, undefined, undefined, undefined, undefined, '–', 'info']);
  }
  const L = results[0]?.latencies;
  const title = L
    ? `Voice pipeline (simulated: STT final ${L.sttFinalMs} ms, agent first sentence ${L.agentFirstSentenceMs} ms, TTS first byte ${L.ttsFirstByteMs} ms then ${L.ttsChunkBytes / 8} ms of audio every ${L.ttsChunkIntervalMs} ms)`
    : 'Voice pipeline';
  return table(title, ['calls', 'metric', 'n', 'p50 ms', 'p99 ms', 'max', 'budget', 'status'], rows, 2);
}

const STAGES: [keyof TurnBreakdown, string][] = [
  ['sttLate', 'sim STT timer lateness'],
  ['turnDecision', 'final transcript → agent.respond()'],
  ['agentLate', 'sim agent timer lateness'],
  ['sentenceToTts', 'first sentence → tts.synthesize()'],
  ['ttsLate', 'sim TTS timer lateness'],
  ['chunkToFrame', 'first TTS chunk → first frame sent'],
  ['coreOnly', '= our code'],
];

export function breakdownTable(results: PipelineResult[]): string {
  const header = ['stage (ms)', ...results.flatMap((r) => [`${r.calls} p50`, `${r.calls} p99`])];
  const rows = STAGES.map(([key, label]) => [label, ...results.flatMap((r) => [fmt(r.turns.breakdown[key].p50), fmt(r.turns.breakdown[key].p99)])]);
  return table('Turn overhead by stage (normal and barged-in turns; columns are call counts)', header, rows);
}

/** One level's voice figures without and with server-side code verifications running beside the calls. */
export function burstTable(without: PipelineResult, withBurst: PipelineResult): string {
  const v = withBurst.verifications;
  const row = (metric: string, a: number | undefined, b: number | undefined, budget: number | undefined) => [
    metric,
    fmt(a),
    fmt(b),
    budget === undefined ? '–' : `p99 < ${budget} ms`,
    budget === undefined ? 'info' : judge(b, budget),
  ];
  return table(
    `Voice at ${without.calls} calls, without / with a verification burst (${v ? `${v.done} verifications, ${v.concurrency} at a time, verdicts ${JSON.stringify(v.verdicts)}` : 'none ran'})`,
    ['metric (p99)', 'without ms', 'with ms', 'budget', 'status'],
    [
      row('turn overhead', without.turns.overhead.p99, withBurst.turns.overhead.p99, BUDGETS.turnOverheadP99Ms),
      row('  of which our code', without.turns.breakdown.coreOnly.p99, withBurst.turns.breakdown.coreOnly.p99, BUDGETS.turnOverheadP99Ms),
      row('barge-in onset → clear', without.bargeIn.onsetToClear.p99, withBurst.bargeIn.onsetToClear.p99, BUDGETS.bargeInP99Ms),
      row('outbound frame jitter', without.jitter.p99, withBurst.jitter.p99, BUDGETS.jitterP99Ms),
      row('event-loop lag', without.eventLoopLag.p99, withBurst.eventLoopLag.p99, undefined),
    ],
  );
}
