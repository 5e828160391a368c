/**
 * Board benchmark: the server-side scene summary (src/workspace/board/summarise.ts) for scenes of 50, 500 and 5,000
 * elements shaped like real design boards (labelled boxes in groups and frames, labelled arrows, some bound at one
 * end only, free notes, a share of deleted elements as Excalidraw's onChange sends them), each summarised against
 * the previous summary (the diff included). Budget: p95 < 50 ms at 500 elements (a summary runs on every debounced
 * scene change, on the event loop that also serves calls); 5,000 elements is the scene cap.
 */
import { summariseScene, type BoardSummary, type SceneElement } from '../../src/workspace/board/summarise.js';
import { judge, table } from './report.js';
import { percentileOf } from './stats.js';

export const BOARD_BUDGETS = { p95MsAt500: 50 };

export interface BoardBenchRow {
  elements: number;
  components: number;
  connections: number;
  boundaries: number;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** A scene of about `n` elements: per "service" a box, its label, and an arrow (with label) to a neighbour. */
export function buildScene(n: number): SceneElement[] {
  const perRow = 20;
  // Frames first, so the cut to n keeps them: each holds five rows of services (the boxes carry its frameId).
  const frames = Math.max(1, Math.floor(n / 250));
  const els: SceneElement[] = Array.from({ length: frames }, (_, f) => ({ id: `f${f}`, type: 'frame', x: -20, y: f * 800 - 20, width: 4400, height: 780, name: `Region ${f}` }));
  let i = 0;
  while (els.length < n) {
    const x = (i % perRow) * 220;
    const y = Math.floor(i / perRow) * 160;
    const id = `s${i}`;
    const group = i % 10 < 3 ? [`g${Math.floor(i / 10)}`] : [];
    els.push({ id, type: i % 7 === 0 ? 'ellipse' : 'rectangle', x, y, width: 140, height: 70, groupIds: group, frameId: Math.floor(y / 800) < frames ? `f${Math.floor(y / 800)}` : null, boundElements: [{ id: `${id}t`, type: 'text' }] });
    els.push({ id: `${id}t`, type: 'text', x: x + 10, y: y + 20, width: 100, height: 25, text: `Service ${i}`, containerId: id, groupIds: group });
    if (i > 0) {
      const oneEnd = i % 9 === 0;
      els.push({
        id: `a${i}`,
        type: 'arrow',
        x: x - 80,
        y: y + 35,
        width: 80,
        height: 0,
        points: [[0, 0], [80, 0]],
        startBinding: oneEnd ? null : { elementId: `s${i - 1}` },
        endBinding: { elementId: id },
        startArrowhead: null,
        endArrowhead: 'arrow',
        isDeleted: i % 13 === 0,
      });
      if (i % 3 === 0) els.push({ id: `a${i}t`, type: 'text', x: x - 60, y: y + 20, width: 40, height: 20, text: 'calls', containerId: `a${i}` });
    }
    if (i % 17 === 0) els.push({ id: `n${i}`, type: 'text', x: x, y: y + 100, width: 120, height: 20, text: `note ${i}: p99 < 200 ms`, containerId: null });
    i++;
  }
  return els.slice(0, n);
}

export function run(opts: { quick?: boolean } = {}): BoardBenchRow[] {
  const rows: BoardBenchRow[] = [];
  for (const n of [50, 500, 5000]) {
    const scene = buildScene(n);
    const runs = opts.quick ? (n >= 5000 ? 5 : 20) : n >= 5000 ? 20 : 100;
    let prev: BoardSummary | null = summariseScene(scene.slice(0, Math.floor(n * 0.9)));
    for (let w = 0; w < 3; w++) summariseScene(scene, prev); // warm the JIT
    const times: number[] = [];
    let last = prev;
    for (let r = 0; r < runs; r++) {
      const started = performance.now();
      last = summariseScene(scene, prev);
      times.push(performance.now() - started);
      prev = r % 2 ? last : prev;
    }
    times.sort((a, b) => a - b);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    rows.push({ elements: n, components: last.counts.components, connections: last.counts.connections, boundaries: last.counts.boundaries, runs, p50Ms: r2(percentileOf(times, 0.5)!), p95Ms: r2(percentileOf(times, 0.95)!), maxMs: r2(times.at(-1)!) });
  }
  return rows;
}

export function boardTable(rows: BoardBenchRow[]): string {
  return table(
    'board summary (server-side, per debounced scene change, with the diff)',
    ['elements', 'components', 'connections', 'boundaries', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'budget p95', ''],
    rows.map((r) => [r.elements, r.components, r.connections, r.boundaries, r.runs, r.p50Ms, r.p95Ms, r.maxMs, r.elements === 500 ? `< ${BOARD_BUDGETS.p95MsAt500}` : '–', r.elements === 500 ? judge(r.p95Ms, BOARD_BUDGETS.p95MsAt500) : 'info']),
    0,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(boardTable(run({ quick: process.argv.includes('--quick') })));
