import { describe, expect, it } from 'vitest';
import { boardProbe, summariseScene, summaryText, type SceneElement } from '../../src/workspace/board/summarise.js';

let n = 0;
const box = (label: string | null, x: number, y: number, extra: Partial<SceneElement> = {}, w = 120, h = 60): SceneElement[] => {
  const id = `box${++n}`;
  const shape: SceneElement = { id, type: 'rectangle', x, y, width: w, height: h, groupIds: [], frameId: null, boundElements: label ? [{ id: `${id}-t`, type: 'text' }] : [], ...extra };
  return label ? [shape, { id: `${id}-t`, type: 'text', x: x + 10, y: y + 10, width: 50, height: 20, text: label, originalText: label, containerId: id, groupIds: extra.groupIds ?? [], frameId: extra.frameId ?? null }] : [shape];
};
const arrow = (from: SceneElement | null, to: SceneElement | null, opts: { label?: string; start?: string | null; end?: string | null; pts?: [number, number][]; x?: number; y?: number } = {}): SceneElement[] => {
  const id = `arrow${++n}`;
  const x = opts.x ?? (from ? from.x + from.width : 0);
  const y = opts.y ?? (from ? from.y + 30 : 0);
  const endX = to ? to.x - x : 100;
  const a: SceneElement = {
    id, type: 'arrow', x, y, width: Math.abs(endX), height: 0,
    points: opts.pts ?? [[0, 0], [endX, (to ? to.y + 30 : y) - y]],
    startBinding: from ? { elementId: from.id } : null,
    endBinding: to ? { elementId: to.id } : null,
    startArrowhead: opts.start ?? null,
    endArrowhead: opts.end === undefined ? 'arrow' : opts.end,
  };
  return opts.label ? [a, { id: `${id}-t`, type: 'text', x: x + 20, y: y - 10, width: 40, height: 20, text: opts.label, containerId: id }] : [a];
};

describe('board summary', () => {
  it('labels shapes from bound text and reads arrows with direction and labels', () => {
    const [client, clientT] = box('Client', 0, 0);
    const [api, apiT] = box('API', 300, 0);
    const [db, dbT] = box('Database', 600, 0);
    const scene = [client!, clientT!, api!, apiT!, db!, dbT!, ...arrow(client!, api!, { label: 'HTTPS' }), ...arrow(api!, db!, { label: 'writes' })];
    const s = summariseScene(scene);
    expect(s.components.map((c) => c.label)).toEqual(['Client', 'API', 'Database']);
    expect(s.connections.map((c) => [c.from, c.to, c.direction, c.label, c.bound])).toEqual([
      ['Client', 'API', 'one-way', 'HTTPS', 'both'],
      ['API', 'Database', 'one-way', 'writes', 'both'],
    ]);
    expect(s.notes).toEqual([]);
    expect(s.components.find((c) => c.label === 'API')).toMatchObject({ inbound: 1, outbound: 1 });
    expect(summaryText(s)).toContain('API -> Database "writes"');
    expect(boardProbe(s)?.text).toMatch(/straight to the Database/);
  });

  it('drops deleted elements (shapes, labels and arrows)', () => {
    const [a, aT] = box('Queue', 0, 0);
    const [b, bT] = box('Worker', 300, 0);
    const gone = box('Old cache', 0, 300).map((e) => ({ ...e, isDeleted: true }));
    const deadArrow = arrow(a!, b!, { label: 'jobs' }).map((e) => ({ ...e, isDeleted: true }));
    const s = summariseScene([a!, aT!, b!, bT!, ...gone, ...deadArrow, { id: 'ghost-text', type: 'text', x: 900, y: 900, width: 10, height: 10, text: 'deleted note', isDeleted: true }]);
    expect(s.components.map((c) => c.label)).toEqual(['Queue', 'Worker']);
    expect(s.connections).toEqual([]);
    expect(s.notes).toEqual([]);
    expect(s.counts.elements).toBe(4);
  });

  it('handles arrows bound at one end only: the other end matched by position, or dangling', () => {
    const [a, aT] = box('Web', 0, 0);
    const [b, bT] = box('Cache', 300, 0);
    // Bound at its start; its end stops inside Cache without a binding.
    const touching = arrow(a!, null, { pts: [[0, 0], [180, 0]], x: 120, y: 30 });
    // Bound at its end only; its start is in empty space.
    const dangling = arrow(null, b!, { pts: [[0, 0], [80, 0]], x: 220, y: 200 });
    dangling[0]!.points = [[0, 0], [100, -170]];
    const s = summariseScene([a!, aT!, b!, bT!, ...touching, ...dangling]);
    expect(s.connections.map((c) => [c.from, c.to, c.bound])).toEqual([
      ['Web', 'Cache', 'start'],
      ['nothing', 'Cache', 'end'],
    ]);
  });

  it('reads a backwards arrow and a two-way arrow', () => {
    const [a, aT] = box('A', 0, 0);
    const [b, bT] = box('B', 300, 0);
    const s = summariseScene([a!, aT!, b!, bT!, ...arrow(a!, b!, { start: 'arrow', end: null }), ...arrow(a!, b!, { start: 'arrow', end: 'triangle' })]);
    expect(s.connections.map((c) => [c.from, c.to, c.direction])).toEqual([
      ['B', 'A', 'one-way'],
      ['A', 'B', 'two-way'],
    ]);
  });

  it('finds frames, groups and shapes drawn around others as boundaries; free text is a note', () => {
    const frame: SceneElement = { id: 'f1', type: 'frame', x: -50, y: -50, width: 800, height: 200, name: 'Backend' };
    const [api, apiT] = box('API', 0, 0, { frameId: 'f1', groupIds: ['g1'] });
    const [w, wT] = box('Worker', 300, 0, { frameId: 'f1', groupIds: ['g1'] });
    const vpc = box('VPC', 0, 400, {}, 700, 300);
    const [db, dbT] = box('DB', 100, 500);
    const note: SceneElement = { id: 'note', type: 'text', x: 900, y: 900, width: 100, height: 20, text: 'p99 < 200 ms', containerId: null };
    const s = summariseScene([frame, api!, apiT!, w!, wT!, ...vpc, db!, dbT!, note]);
    expect(s.components.map((c) => c.label)).toEqual(['API', 'Worker', 'DB']);
    expect(s.boundaries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'frame', name: 'Backend', members: ['API', 'Worker'] }),
        expect.objectContaining({ kind: 'group', members: ['API', 'Worker'] }),
        expect.objectContaining({ kind: 'container', name: 'VPC', members: ['DB'] }),
      ]),
    );
    expect(s.notes).toEqual(['p99 < 200 ms']);
    expect(boardProbe(s)).toBeNull();
  });

  it('a loose text typed over a box labels it; an unconnected component is probed', () => {
    const [a] = box(null, 0, 0);
    const over: SceneElement = { id: 't-over', type: 'text', x: 20, y: 20, width: 60, height: 20, text: 'Search', containerId: null };
    const [b, bT] = box('Index', 300, 0);
    const [c, cT] = box('Metrics', 600, 300);
    const s = summariseScene([a!, over, b!, bT!, c!, cT!, ...arrow(a!, b!)]);
    expect(s.components.map((x) => x.label)).toEqual(['Search', 'Index', 'Metrics']);
    expect(s.notes).toEqual([]);
    expect(boardProbe(s)).toMatchObject({ key: 'isolated:Metrics' });
    expect(summaryText(s)).toContain('not connected to anything: Metrics');
  });

  it('says what changed since the previous summary; moving a shape is not a change', () => {
    const [a, aT] = box('API', 0, 0);
    const [b, bT] = box('DB', 300, 0);
    const first = summariseScene([a!, aT!, b!, bT!]);
    expect(first.diff.addedComponents).toEqual(['API', 'DB']);
    const moved = summariseScene([{ ...a!, x: 50 }, aT!, b!, bT!], first);
    expect(moved.diff.empty).toBe(true);
    const [c, cT] = box('Cache', 0, 300);
    const next = summariseScene([a!, { ...aT!, text: 'Gateway', originalText: 'Gateway' }, b!, bT!, c!, cT!, ...arrow(a!, b!, { label: 'reads' })], first);
    expect(next.diff).toMatchObject({ addedComponents: ['Cache'], relabelled: ['API → Gateway'], addedConnections: ['Gateway -> DB "reads"'], empty: false });
    expect(summaryText(next)).toMatch(/since last look: added Cache; renamed API → Gateway; new Gateway -> DB "reads"/);
    const removed = summariseScene([a!, aT!], next);
    expect(removed.diff.removedComponents).toEqual(['DB', 'Cache']);
  });

  it('an arrow bound to a free text makes that text a component; malformed elements are ignored', () => {
    const t: SceneElement = { id: 'txt', type: 'text', x: 0, y: 0, width: 60, height: 20, text: 'User', containerId: null };
    const [b, bT] = box('App', 300, 0);
    const a = arrow(null, b!, { x: 60, y: 10, pts: [[0, 0], [240, 20]] });
    a[0]!.startBinding = { elementId: 'txt' };
    const s = summariseScene([t, b!, bT!, ...a, { id: 'bad', type: 'rectangle', x: Number.NaN, y: 0, width: 1, height: 1 } as SceneElement]);
    expect(s.components.map((c) => c.label)).toEqual(['App', 'User']);
    expect(s.connections[0]).toMatchObject({ from: 'User', to: 'App', bound: 'both' });
    expect(s.notes).toEqual([]);
  });
});
