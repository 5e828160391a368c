/**
 * The design board's scene → a structured summary the interviewer can ask about (pure; no I/O). Components are the
 * shapes with their labels (bound text, or a loose text sitting inside the shape); connections are arrows with their
 * bindings, direction (from the arrowheads) and labels, an unbound end matched to the shape under it or left
 * dangling; boundaries are frames, groups and shapes drawn around other shapes; notes are the remaining free text.
 * `diff` says what changed since a previous summary. Deleted elements (Excalidraw's onChange sends them) are dropped.
 */

/** The element fields the summary reads (Excalidraw 0.18 element JSON; other fields are ignored). */
export interface SceneElement {
  id: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  isDeleted?: boolean;
  groupIds?: readonly string[];
  frameId?: string | null;
  boundElements?: readonly { id: string; type: string }[] | null;
  text?: string;
  originalText?: string;
  containerId?: string | null;
  name?: string | null;
  startBinding?: { elementId: string } | null;
  endBinding?: { elementId: string } | null;
  startArrowhead?: string | null;
  endArrowhead?: string | null;
  points?: readonly (readonly [number, number])[];
}

export interface BoardComponent {
  id: string;
  shape: string;
  label: string;
  /** Arrows pointing at it / leaving it (two-way arrows count both ways). */
  inbound: number;
  outbound: number;
}

export type Direction = 'one-way' | 'two-way' | 'undirected';

export interface BoardConnection {
  id: string;
  /** Component ids; null when that end is attached to nothing. */
  fromId: string | null;
  toId: string | null;
  from: string;
  to: string;
  direction: Direction;
  label: string;
  /** Which ends Excalidraw bound to a shape (the others were matched by position or dangle). */
  bound: 'both' | 'start' | 'end' | 'none';
}

export interface BoardBoundary {
  id: string;
  kind: 'frame' | 'group' | 'container';
  name: string;
  members: string[];
}

export interface BoardDiff {
  addedComponents: string[];
  removedComponents: string[];
  relabelled: string[];
  addedConnections: string[];
  removedConnections: string[];
  addedBoundaries: string[];
  removedBoundaries: string[];
  addedNotes: string[];
  removedNotes: string[];
  /** Nothing structural changed (shapes may have moved). */
  empty: boolean;
}

export interface BoardSummary {
  components: BoardComponent[];
  connections: BoardConnection[];
  boundaries: BoardBoundary[];
  notes: string[];
  counts: { elements: number; components: number; connections: number; boundaries: number; notes: number };
  diff: BoardDiff;
}

const SHAPES = new Set(['rectangle', 'diamond', 'ellipse', 'image', 'iframe', 'embeddable']);
const LINKS = new Set(['arrow', 'line']);
const FRAMES = new Set(['frame', 'magicframe']);
const MAX_LABEL = 80;
/** How far outside a shape an unbound arrow end may stop and still count as touching it (px). */
const TOUCH_PX = 12;

const clean = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_LABEL);
const textOf = (t: SceneElement) => clean(t.originalText ?? t.text);
const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
const boxOf = (e: SceneElement): Box => {
  // Excalidraw allows negative width/height while dragging; normalise.
  const x1 = Math.min(e.x, e.x + e.width);
  const y1 = Math.min(e.y, e.y + e.height);
  return { x1, y1, x2: x1 + Math.abs(e.width), y2: y1 + Math.abs(e.height) };
};
const inside = (px: number, py: number, b: Box, pad = 0) => px >= b.x1 - pad && px <= b.x2 + pad && py >= b.y1 - pad && py <= b.y2 + pad;
const contains = (outer: Box, inner: Box) => inner.x1 > outer.x1 && inner.y1 > outer.y1 && inner.x2 < outer.x2 && inner.y2 < outer.y2;
const area = (b: Box) => (b.x2 - b.x1) * (b.y2 - b.y1);

export const EMPTY_DIFF: BoardDiff = {
  addedComponents: [],
  removedComponents: [],
  relabelled: [],
  addedConnections: [],
  removedConnections: [],
  addedBoundaries: [],
  removedBoundaries: [],
  addedNotes: [],
  removedNotes: [],
  empty: true,
};

export function summariseScene(all: readonly SceneElement[], previous?: BoardSummary | null): BoardSummary {
  const elements = all.filter((e) => e && !e.isDeleted && typeof e.id === 'string' && finite(e.x) && finite(e.y));
  const byId = new Map(elements.map((e) => [e.id, e]));
  const texts = elements.filter((e) => e.type === 'text');
  const boundText = new Map<string, string>();
  for (const t of texts) {
    if (t.containerId && byId.has(t.containerId)) {
      const prev = boundText.get(t.containerId);
      boundText.set(t.containerId, clean(prev ? `${prev} ${textOf(t)}` : textOf(t)));
    }
  }
  const looseTexts = texts.filter((t) => !t.containerId || !byId.has(t.containerId));
  const shapes = elements.filter((e) => SHAPES.has(e.type));
  const boxes = new Map(elements.map((e) => [e.id, boxOf(e)]));

  // A loose text over an unlabelled shape labels it (people often type on top of a box instead of into it).
  const usedTexts = new Set<string>();
  const labels = new Map<string, string>();
  const smallestFirst = [...shapes].sort((a, b) => area(boxes.get(a.id)!) - area(boxes.get(b.id)!));
  for (const s of shapes) if (boundText.get(s.id)) labels.set(s.id, boundText.get(s.id)!);
  for (const t of looseTexts) {
    const tb = boxes.get(t.id)!;
    const cx = (tb.x1 + tb.x2) / 2;
    const cy = (tb.y1 + tb.y2) / 2;
    const host = smallestFirst.find((s) => !labels.has(s.id) && inside(cx, cy, boxes.get(s.id)!));
    if (host && textOf(t)) {
      labels.set(host.id, textOf(t));
      usedTexts.add(t.id);
    }
  }

  // Shapes drawn around other shapes are boundaries ("VPC", "region"), not components.
  // Shapes sorted by left edge: each candidate container scans only the shapes starting inside its x-range.
  const containers = new Map<string, string[]>();
  const byLeft = shapes.map((s) => ({ s, b: boxes.get(s.id)! })).sort((p, q) => p.b.x1 - q.b.x1);
  for (let i = 0; i < byLeft.length; i++) {
    const { s: outer, b: ob } = byLeft[i]!;
    if (outer.type === 'image') continue;
    const members: string[] = [];
    for (let j = i + 1; j < byLeft.length && byLeft[j]!.b.x1 < ob.x2; j++) if (contains(ob, byLeft[j]!.b)) members.push(byLeft[j]!.s.id);
    if (members.length > 0) containers.set(outer.id, members);
  }

  const componentEls = shapes.filter((s) => !containers.has(s.id));
  const components = new Map<string, BoardComponent>();
  const counters = new Map<string, number>();
  const unlabelled = (shape: string) => {
    const n = (counters.get(shape) ?? 0) + 1;
    counters.set(shape, n);
    return `unlabelled ${shape} ${n}`;
  };
  for (const s of componentEls) components.set(s.id, { id: s.id, shape: s.type, label: labels.get(s.id) || unlabelled(s.type), inbound: 0, outbound: 0 });

  // Arrows may bind to a free text; that text is then a component of its own.
  const links = elements.filter((e) => LINKS.has(e.type) && Array.isArray(e.points) && e.points.length >= 2);
  const resolveBound = (id: string | undefined): string | null => {
    if (!id) return null;
    const target = byId.get(id);
    if (!target) return null;
    if (target.type === 'text') {
      if (target.containerId && components.has(target.containerId)) return target.containerId;
      if (!components.has(target.id) && textOf(target)) {
        components.set(target.id, { id: target.id, shape: 'text', label: textOf(target), inbound: 0, outbound: 0 });
        usedTexts.add(target.id);
      }
      return components.has(target.id) ? target.id : null;
    }
    if (components.has(id)) return id;
    // Bound to a container shape: the boundary itself is what the arrow reaches.
    if (containers.has(id) && !components.has(id)) return null;
    return null;
  };
  const atPoint = (px: number, py: number): string | null => {
    let best: { id: string; a: number } | null = null;
    for (const c of components.values()) {
      const b = boxes.get(c.id);
      if (b && inside(px, py, b, TOUCH_PX) && (!best || area(b) < best.a)) best = { id: c.id, a: area(b) };
    }
    return best?.id ?? null;
  };

  const connections: BoardConnection[] = [];
  for (const a of links) {
    const pts = a.points!;
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    let startId = resolveBound(a.startBinding?.elementId);
    let endId = resolveBound(a.endBinding?.elementId);
    const startBound = Boolean(startId);
    const endBound = Boolean(endId);
    if (a.type === 'line' && !startBound && !endBound) continue; // a plain line is a drawing, not a connection
    startId ??= atPoint(a.x + first[0], a.y + first[1]);
    endId ??= atPoint(a.x + last[0], a.y + last[1]);
    if (!startId && !endId) continue;
    if (startId && startId === endId) endId = startId;
    const head = (h: string | null | undefined) => Boolean(h);
    const startHead = a.type === 'arrow' && head(a.startArrowhead);
    const endHead = a.type === 'arrow' && head(a.endArrowhead);
    let fromId = startId;
    let toId = endId;
    // An arrow drawn backwards (head at its start) points from its end to its start.
    if (startHead && !endHead) [fromId, toId] = [endId, startId];
    const direction: Direction = startHead && endHead ? 'two-way' : startHead || endHead ? 'one-way' : 'undirected';
    const name = (id: string | null) => (id ? components.get(id)!.label : 'nothing');
    connections.push({
      id: a.id,
      fromId,
      toId,
      from: name(fromId),
      to: name(toId),
      direction,
      label: boundText.get(a.id) ?? '',
      bound: startBound && endBound ? 'both' : startBound ? 'start' : endBound ? 'end' : 'none',
    });
    if (direction === 'undirected') continue;
    if (fromId) components.get(fromId)!.outbound++;
    if (toId) components.get(toId)!.inbound++;
    if (direction === 'two-way') {
      if (toId) components.get(toId)!.outbound++;
      if (fromId) components.get(fromId)!.inbound++;
    }
  }

  const memberName = (id: string): string | null => {
    const c = components.get(id);
    if (c) return c.label;
    const e = byId.get(id);
    if (e?.type === 'text' && !e.containerId && textOf(e)) return `"${textOf(e)}"`;
    if (e && containers.has(e.id)) return labels.get(e.id) ?? null;
    return null;
  };
  const boundaries: BoardBoundary[] = [];
  for (const f of elements.filter((e) => FRAMES.has(e.type))) {
    const members = elements.filter((e) => e.frameId === f.id).map((e) => memberName(e.id)).filter((m): m is string => Boolean(m));
    boundaries.push({ id: f.id, kind: 'frame', name: clean(f.name ?? '') || 'unnamed frame', members: dedupe(members) });
  }
  const groups = new Map<string, string[]>();
  for (const e of elements) {
    const outer = e.groupIds?.[e.groupIds.length - 1];
    if (!outer) continue;
    if (e.type === 'text' && e.containerId) continue; // a label travels with its shape
    const list = groups.get(outer) ?? [];
    list.push(e.id);
    groups.set(outer, list);
  }
  for (const [gid, ids] of groups) {
    const members = dedupe(ids.map(memberName).filter((m): m is string => Boolean(m)));
    if (members.length < 2) continue;
    boundaries.push({ id: gid, kind: 'group', name: 'group', members });
  }
  for (const [cid, ids] of containers) {
    const members = dedupe(ids.filter((id) => components.has(id)).map((id) => components.get(id)!.label));
    boundaries.push({ id: cid, kind: 'container', name: labels.get(cid) || `unlabelled ${byId.get(cid)!.type}`, members });
  }

  const notes = looseTexts.filter((t) => !usedTexts.has(t.id) && textOf(t)).map(textOf);
  const comps = [...components.values()];
  const summary: BoardSummary = {
    components: comps,
    connections,
    boundaries,
    notes,
    counts: { elements: elements.length, components: comps.length, connections: connections.length, boundaries: boundaries.length, notes: notes.length },
    diff: EMPTY_DIFF,
  };
  summary.diff = diffSummaries(previous ?? null, summary);
  return summary;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

const arrowOf = (d: Direction) => (d === 'two-way' ? '<->' : d === 'one-way' ? '->' : '--');
export const connectionKey = (c: BoardConnection) => `${c.from} ${arrowOf(c.direction)} ${c.to}${c.label ? ` "${c.label}"` : ''}`;
const boundaryKey = (b: BoardBoundary) => `${b.kind} ${b.name}: ${b.members.join(', ')}`;

export function diffSummaries(prev: BoardSummary | null, next: BoardSummary): BoardDiff {
  const prevComps = new Map((prev?.components ?? []).map((c) => [c.id, c.label]));
  const nextComps = new Map(next.components.map((c) => [c.id, c.label]));
  const minus = (a: string[], b: string[]) => {
    const set = new Set(b);
    return a.filter((x) => !set.has(x));
  };
  const pc = (prev?.connections ?? []).map(connectionKey);
  const nc = next.connections.map(connectionKey);
  const pb = (prev?.boundaries ?? []).map(boundaryKey);
  const nb = next.boundaries.map(boundaryKey);
  const d: BoardDiff = {
    addedComponents: [...nextComps].filter(([id]) => !prevComps.has(id)).map(([, l]) => l),
    removedComponents: [...prevComps].filter(([id]) => !nextComps.has(id)).map(([, l]) => l),
    relabelled: [...nextComps].filter(([id, l]) => prevComps.has(id) && prevComps.get(id) !== l).map(([id, l]) => `${prevComps.get(id)} → ${l}`),
    addedConnections: minus(nc, pc),
    removedConnections: minus(pc, nc),
    addedBoundaries: minus(nb, pb),
    removedBoundaries: minus(pb, nb),
    addedNotes: minus(next.notes, prev?.notes ?? []),
    removedNotes: minus(prev?.notes ?? [], next.notes),
    empty: false,
  };
  d.empty = Object.entries(d).every(([k, v]) => k === 'empty' || (Array.isArray(v) && v.length === 0));
  return d;
}

const list = (xs: string[], max: number) => (xs.length > max ? `${xs.slice(0, max).join(', ')} and ${xs.length - max} more` : xs.join(', '));

/** The summary as one compact paragraph for the interviewer's context (facts about the board, bounded). */
export function summaryText(s: BoardSummary, opts: { maxChars?: number; diff?: BoardDiff | null } = {}): string {
  const maxChars = opts.maxChars ?? 900;
  if (s.counts.elements === 0) return 'the board is empty';
  const parts: string[] = [];
  const isolated = s.components.filter((c) => c.inbound + c.outbound === 0 && !s.connections.some((k) => k.fromId === c.id || k.toId === c.id));
  parts.push(`components: ${list(s.components.map((c) => c.label), 12) || 'none'}`);
  if (s.connections.length) parts.push(`connections: ${list(s.connections.map(connectionKey), 10)}`);
  if (isolated.length && s.components.length > 1) parts.push(`not connected to anything: ${list(isolated.map((c) => c.label), 6)}`);
  if (s.boundaries.length) parts.push(`boundaries: ${list(s.boundaries.map((b) => `${b.kind} "${b.name}" around ${b.members.join(', ') || 'nothing'}`), 5)}`);
  if (s.notes.length) parts.push(`notes: ${list(s.notes.map((n) => `"${n}"`), 5)}`);
  const d = opts.diff === undefined ? s.diff : opts.diff;
  if (d && !d.empty) {
    const changes = [
      d.addedComponents.length ? `added ${list(d.addedComponents, 4)}` : '',
      d.removedComponents.length ? `removed ${list(d.removedComponents, 4)}` : '',
      d.relabelled.length ? `renamed ${list(d.relabelled, 3)}` : '',
      d.addedConnections.length ? `new ${list(d.addedConnections, 4)}` : '',
      d.removedConnections.length ? `dropped ${list(d.removedConnections, 3)}` : '',
      d.addedNotes.length ? `new notes ${list(d.addedNotes.map((n) => `"${n}"`), 3)}` : '',
    ].filter(Boolean);
    if (changes.length) parts.push(`since last look: ${changes.join('; ')}`);
  }
  const text = parts.join('. ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/**
 * A question the plan-driven interviewer can ask about the board, or null: first a component nothing connects to,
 * then the component most arrows point at. `key` lets the asker avoid repeating itself.
 */
export function boardProbe(s: BoardSummary): { key: string; text: string } | null {
  if (s.components.length < 2) return null;
  const touched = new Set(s.connections.flatMap((c) => [c.fromId, c.toId]).filter(Boolean));
  const isolated = s.components.find((c) => !touched.has(c.id) && !c.label.startsWith('unlabelled '));
  if (isolated && s.connections.length > 0) {
    return { key: `isolated:${isolated.label}`, text: `Nothing on your board connects to the ${isolated.label} yet. How does it fit in, and what talks to it?` };
  }
  const hub = [...s.components].sort((a, b) => b.inbound - a.inbound)[0];
  if (hub && hub.inbound >= 2) {
    return { key: `hub:${hub.label}`, text: `Most of your arrows point at the ${hub.label}. What happens when it is slow or down?` };
  }
  // The end of a chain (a store, usually) is where "what if it is down" bites.
  const byId = new Map(s.components.map((c) => [c.id, c]));
  const edges = s.connections.filter((c) => c.direction === 'one-way' && c.fromId && c.toId);
  const single = edges.find((c) => byId.get(c.toId!)?.outbound === 0) ?? edges[0];
  if (single) return { key: `edge:${connectionKey(single)}`, text: `You have the ${single.from} going straight to the ${single.to}. What happens when the ${single.to} is down?` };
  return null;
}
