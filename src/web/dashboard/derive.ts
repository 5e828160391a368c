/**
 * What the live view and the replay show, derived from the interview's event log alone (the same events the API
 * and the live stream carry): transcript lines, open surfaces, the rolling decision, citations, and a timeline.
 */
import type { FeedEvent } from './api';

export interface Passage {
  citationId: string;
  source: string;
  page: number | null;
  section: string | null;
  text: string;
}

export interface TranscriptLine {
  seq: number;
  at: string;
  speaker: 'agent' | 'candidate';
  text: string;
  /** Agent: the candidate cut in and only this part was heard. Candidate: spoke over the agent. */
  interrupted: boolean;
  citationIds: string[];
  pending?: boolean;
}

export interface Surface {
  kind: string;
  label: string;
  since: string;
}

export interface Decision {
  band: string;
  bandLabel: string;
  confidence: number;
  weightedScore: number | null;
  coverage: number;
  dimensions: { id: string; score: number | null }[];
  openGates: string[];
  knockoutFailed: string[];
  stagesScored: string[];
  final: boolean;
  seq: number;
}

export interface LiveState {
  lines: TranscriptLine[];
  surfaces: Surface[];
  decision: Decision | null;
  passages: Map<string, Passage>;
  stage: string | null;
  live: boolean;
  ended: { reason: string; status: string | null } | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function deriveLive(events: FeedEvent[]): LiveState {
  const lines: TranscriptLine[] = [];
  const passages = new Map<string, Passage>();
  const surfaces = new Map<string, Surface>();
  let pending: TranscriptLine | null = null;
  let decision: Decision | null = null;
  let stage: string | null = null;
  let live = false;
  let ended: LiveState['ended'] = null;

  for (const e of events) {
    const p = e.payload;
    switch (e.type) {
      case 'call.stream_started':
        live = true;
        break;
      case 'call.ended':
        live = false;
        ended = { reason: str(p.reason), status: typeof p.status === 'string' ? p.status : null };
        for (const [k] of surfaces) surfaces.delete(k);
        break;
      case 'transcript.final': {
        // Segments show at once; the turn event below replaces them with the whole turn.
        const text = str(p.text).trim();
        if (!text) break;
        if (pending) pending.text = `${pending.text} ${text}`;
        else {
          pending = { seq: e.seq, at: e.at, speaker: 'candidate', text, interrupted: false, citationIds: [], pending: true };
          lines.push(pending);
        }
        break;
      }
      case 'transcript.turn': {
        const text = str(p.text).trim();
        const line: TranscriptLine = { seq: e.seq, at: e.at, speaker: 'candidate', text, interrupted: p.bargedIn === true, citationIds: [] };
        if (pending) {
          lines.splice(lines.indexOf(pending), 1, { ...line, seq: pending.seq, at: pending.at });
          pending = null;
        } else if (text) lines.push(line);
        break;
      }
      case 'agent.speech': {
        const heard = str(p.heard).trim() || (p.interrupted === true ? '' : str(p.planned).trim());
        if (!heard) break;
        const ids = Array.isArray(p.citationIds) ? p.citationIds.filter((x): x is string => typeof x === 'string') : [];
        lines.push({ seq: e.seq, at: e.at, speaker: 'agent', text: heard, interrupted: p.interrupted === true, citationIds: ids });
        break;
      }
      case 'grounding.search':
        for (const raw of Array.isArray(p.passages) ? p.passages : []) {
          const r = raw as Record<string, unknown>;
          const id = str(r.citationId);
          if (id) passages.set(id, { citationId: id, source: str(r.source), page: num(r.page), section: typeof r.section === 'string' ? r.section : null, text: str(r.text) });
        }
        break;
      case 'interview.stage':
        stage = str(p.to) || stage;
        break;
      case 'workspace.opened':
        surfaces.set('page', { kind: 'page', label: 'Workspace page open', since: e.at });
        break;
      case 'workspace.binding':
        if (p.status === 'confirmed' && surfaces.has('page')) surfaces.set('page', { ...surfaces.get('page')!, label: 'Workspace page open, linked to the call' });
        break;
      case 'workspace.closed':
        for (const k of [...surfaces.keys()]) surfaces.delete(k);
        break;
      case 'workspace.surface_opened': {
        const kind = str(p.kind) || 'surface';
        const label = kind === 'ide' ? `Code editor (${str(p.problemId) || 'problem'})` : kind === 'board' ? `Design board (${str(p.problemId) || 'prompt'})` : kind;
        surfaces.set(kind, { kind, label, since: e.at });
        break;
      }
      case 'decision.updated':
        decision = {
          band: str(p.band),
          bandLabel: str(p.bandLabel) || str(p.band),
          confidence: num(p.confidence) ?? 0,
          weightedScore: num(p.weightedScore),
          coverage: num(p.coverage) ?? 0,
          dimensions: Array.isArray(p.dimensions) ? (p.dimensions as { id: string; score: number | null }[]) : [],
          openGates: Array.isArray(p.openGates) ? (p.openGates as string[]) : [],
          knockoutFailed: Array.isArray(p.knockoutFailed) ? (p.knockoutFailed as string[]) : [],
          stagesScored: Array.isArray(p.stagesScored) ? (p.stagesScored as string[]) : [],
          final: p.final === true,
          seq: e.seq,
        };
        break;
      case 'screen.share_started':
        surfaces.set('screen', { kind: 'screen', label: 'Screen share', since: e.at });
        break;
      case 'screen.share_stopped':
        surfaces.delete('screen');
        break;
      default:
        break;
    }
  }
  return { lines, surfaces: [...surfaces.values()], decision, passages, stage, live, ended };
}

export type TimelineKind = 'transcript' | 'tool' | 'code' | 'board' | 'screen' | 'score' | 'call' | 'other';

export interface TimelineItem {
  seq: number;
  at: string;
  offsetMs: number;
  kind: TimelineKind;
  title: string;
  detail: string;
  citations: Passage[];
  /** Same-origin URL of a stored image (board snapshot, screen frame), read with the session cookie. */
  image?: string;
  imageAlt?: string;
  /** Natural size of the image, when the event gives it (reserves the thumbnail's box before it loads). */
  imageSize?: { width: number; height: number };
}

/** The image route of a stored board snapshot or screen frame (GET /api/interviews/:id/artifacts/:artifactId). */
export function artifactImageUrl(interviewId: string, artifactId: string): string {
  return `/api/interviews/${encodeURIComponent(interviewId)}/artifacts/${encodeURIComponent(artifactId)}`;
}

const REASONS: Record<string, string> = { submit: 'on submit', break: 'at a natural break', request: 'on request', interval: 'periodic' };
const reasonText = (v: unknown) => REASONS[str(v)] ?? str(v);

export function kindOf(type: string): TimelineKind {
  if (type.startsWith('transcript.') || type === 'agent.speech') return 'transcript';
  if (type === 'interview.tool_call' || type === 'grounding.search') return 'tool';
  if (type.startsWith('code.')) return 'code';
  if (type.startsWith('board.')) return 'board';
  if (type.startsWith('screen.')) return 'screen';
  if (type.startsWith('score.') || type.startsWith('decision.') || type.startsWith('report.')) return 'score';
  if (type.startsWith('call.') || type.startsWith('interview.') || type.startsWith('twilio.')) return 'call';
  return 'other';
}

/** Too chatty to read in a replay; the API still has them. */
const NOISE = new Set(['transcript.final', 'turn.metrics', 'call.audio_summary', 'interview.turn', 'interview.plan']);

export function deriveTimeline(events: FeedEvent[]): TimelineItem[] {
  const live = deriveLive(events);
  const t0 = events.length ? Date.parse(events[0]!.at) : 0;
  const out: TimelineItem[] = [];
  for (const e of events) {
    if (NOISE.has(e.type)) continue;
    const p = e.payload;
    const base = { seq: e.seq, at: e.at, offsetMs: Date.parse(e.at) - t0, kind: kindOf(e.type), citations: [] as Passage[] };
    switch (e.type) {
      case 'agent.speech': {
        const ids = Array.isArray(p.citationIds) ? (p.citationIds as string[]) : [];
        const text = str(p.heard) || str(p.planned);
        if (!text) continue;
        out.push({ ...base, title: p.interrupted === true ? 'Interviewer (interrupted)' : 'Interviewer', detail: text, citations: ids.map((id) => live.passages.get(id)).filter((x): x is Passage => !!x) });
        break;
      }
      case 'transcript.turn':
        out.push({ ...base, title: p.bargedIn === true ? 'Candidate (spoke over the interviewer)' : 'Candidate', detail: str(p.text) });
        break;
      case 'interview.tool_call':
        out.push({ ...base, title: `Tool: ${str(p.name)}`, detail: `${typeof p.args === 'string' ? p.args : JSON.stringify(p.args)} → ${str(p.result).slice(0, 300)}` });
        break;
      case 'grounding.search': {
        const cites = (Array.isArray(p.passages) ? p.passages : []).map((r) => live.passages.get(str((r as Record<string, unknown>).citationId))).filter((x): x is Passage => !!x);
        out.push({ ...base, title: `Searched the ${str(p.source) || 'documents'}`, detail: `"${str(p.query)}" → ${cites.length} passage(s)`, citations: cites });
        break;
      }
      case 'code.run':
      case 'code.verified':
        out.push({ ...base, title: e.type === 'code.run' ? 'Code run in the browser' : `Code verified on the server: ${str(p.verdict)}`, detail: `${num(p.passed) ?? 0}/${num(p.total) ?? 0} tests passed` });
        break;
      case 'code.submitted':
        out.push({ ...base, title: 'Code submitted', detail: str(p.code).slice(0, 400) });
        break;
      case 'decision.updated':
        out.push({ ...base, title: `Decision ${p.final === true ? '(final)' : '(rolling)'}: ${str(p.bandLabel) || str(p.band)}`, detail: `confidence ${Math.round((num(p.confidence) ?? 0) * 100)}%, stages scored: ${(Array.isArray(p.stagesScored) ? p.stagesScored : []).join(', ') || '—'}` });
        break;
      case 'board.snapshot':
      case 'screen.frame': {
        const artifactId = str(p.artifactId);
        const width = num(p.width);
        const height = num(p.height);
        const board = e.type === 'board.snapshot';
        const title = board ? 'Board snapshot' : `Screen frame${num(p.index) ? ` #${num(p.index)}` : ''}`;
        const size = width && height ? `${width}×${height}` : '';
        const kb = num(p.byteSize) ? `${Math.max(1, Math.round(num(p.byteSize)! / 1024))} KB` : '';
        const detail = [reasonText(p.reason), board && num(p.summaryVersion) ? `board version ${num(p.summaryVersion)}` : '', size, kb].filter(Boolean).join(' · ');
        out.push({
          ...base,
          title,
          detail,
          ...(artifactId
            ? {
                image: artifactImageUrl(e.interviewId, artifactId),
                imageAlt: `${board ? 'The design board' : "The candidate's shared screen"} at ${clock(base.offsetMs)}`,
                ...(width && height ? { imageSize: { width, height } } : {}),
              }
            : {}),
        });
        break;
      }
      case 'score.answer':
        out.push({ ...base, title: `Scored stage ${str(p.stage)}`, detail: (Array.isArray(p.dimensions) ? (p.dimensions as { id: string; score: number | null }[]) : []).map((d) => `${d.id}: ${d.score ?? '—'}`).join(', ') });
        break;
      default: {
        const image = typeof p.imageUrl === 'string' && p.imageUrl.startsWith('/') ? p.imageUrl : undefined;
        out.push({ ...base, title: e.type, detail: summarize(p), image });
      }
    }
  }
  return out;
}

function summarize(p: Record<string, unknown>): string {
  return Object.entries(p)
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .slice(0, 6)
    .map(([k, v]) => `${k}: ${String(v).slice(0, 80)}`)
    .join(' · ');
}

export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
