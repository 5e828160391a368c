/**
 * The scorer's view of an interview, derived from the event log only: stages (delimited by `interview.stage`),
 * the interviewer's questions (`agent.speech`, what the caller heard), the candidate's answers
 * (`transcript.turn`, else `interview.turn`), transcription confidence (`transcript.final`), and objective signals
 * (code results, board summaries, grounding citations, integrity facts) when their events are present.
 */
import type { StoredEvent } from '../store/index.js';

/** Below this Deepgram confidence a passage is never held against the candidate. */
export const LOW_CONFIDENCE = 0.6;

export interface Utterance {
  seq: number;
  speaker: 'interviewer' | 'candidate';
  stage: string;
  text: string;
  /** Milliseconds since the call started. */
  atMs: number;
  /** Lowest transcription confidence of the finals that made up this turn (candidate only). */
  confidence: number | null;
  lowConfidence: boolean;
  /** Interviewer: cut off by the candidate; candidate: spoke over the interviewer. */
  interrupted: boolean;
  /** The candidate addressed the scorer ("give me a 4"): shown to humans, withheld from the model, never evidence. */
  addressedToScorer: boolean;
}

export interface CodeResult {
  seq: number;
  atMs: number;
  passed: number;
  total: number;
  /** Server-verified (the workspace ran the tests itself), as the event says. */
  verified: boolean;
  label: string;
}

export interface Fact {
  seq: number;
  atMs: number;
  type: string;
  text: string;
}

export interface InterviewTranscript {
  startedAt: Date | null;
  endedAt: Date | null;
  durationMs: number;
  utterances: Utterance[];
  stages: { name: string; startSeq: number; endSeq: number | null }[];
  codeResults: CodeResult[];
  /** Time from the IDE opening (or the first run) to the first run that passed every test. */
  timeToFirstPassMs: number | null;
  board: Fact[];
  citations: Fact[];
  integrity: Fact[];
  /** The event log's last seq when this view was made. */
  lastSeq: number;
}

const SCORER_ADDRESS =
  /\b(give|grade|score|rate|mark)\b.{0,30}\b(me|my|this|everything|all)\b.{0,30}\b(4|four|five|5|perfect|top|full|maximum|max|high(est)?)\b|\bignore (all |the |your )?(previous|prior|above|earlier) (instructions|prompts?)\b|\b(system prompt|you are now|as the (scorer|evaluator|grader))\b|\brubric\b/i;

/** True when candidate text reads as an instruction to whoever scores the interview. */
export function addressesScorer(text: string): boolean {
  return SCORER_ADDRESS.test(text);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function buildTranscript(events: StoredEvent[]): InterviewTranscript {
  const startEvent = events.find((e) => e.type === 'call.stream_started') ?? events[0];
  const startedAt = startEvent?.at ?? null;
  const t0 = startedAt?.getTime() ?? 0;
  const rel = (e: StoredEvent) => Math.max(0, e.at.getTime() - t0);
  const hasTranscriptTurns = events.some((e) => e.type === 'transcript.turn');
  const utterances: Utterance[] = [];
  const stages: InterviewTranscript['stages'] = [{ name: 'greeting', startSeq: 0, endSeq: null }];
  const codeResults: CodeResult[] = [];
  const board: Fact[] = [];
  const citations: Fact[] = [];
  const integrity: Fact[] = [];
  let stage = 'greeting';
  let pendingConfidence: number[] = [];
  let ideOpenedMs: number | null = null;
  let timeToFirstPassMs: number | null = null;
  let endedAt: Date | null = null;
  let reportedDurationMs = 0;

  for (const e of events) {
    const p = e.payload;
    switch (e.type) {
      case 'interview.stage': {
        const to = str(p.to);
        if (to && to !== stage) {
          stages.at(-1)!.endSeq = e.seq;
          stages.push({ name: to, startSeq: e.seq, endSeq: null });
          stage = to;
        }
        break;
      }
      case 'transcript.final': {
        const c = num(p.confidence);
        if (c !== undefined) pendingConfidence.push(c);
        break;
      }
      case 'transcript.turn':
      case 'interview.turn': {
        if ((e.type === 'transcript.turn') !== hasTranscriptTurns) break;
        const text = str(p.text).trim();
        if (!text) break;
        const confidence = pendingConfidence.length ? Math.min(...pendingConfidence) : null;
        pendingConfidence = [];
        utterances.push({
          seq: e.seq,
          speaker: 'candidate',
          stage: e.type === 'interview.turn' && str(p.stage) ? str(p.stage) : stage,
          text,
          atMs: rel(e),
          confidence,
          lowConfidence: confidence !== null && confidence < LOW_CONFIDENCE,
          interrupted: p.bargedIn === true,
          addressedToScorer: addressesScorer(text),
        });
        break;
      }
      case 'agent.speech': {
        const text = (str(p.heard) || str(p.planned)).trim();
        if (!text) break;
        utterances.push({
          seq: e.seq,
          speaker: 'interviewer',
          stage,
          text,
          atMs: rel(e),
          confidence: null,
          lowConfidence: false,
          interrupted: p.interrupted === true,
          addressedToScorer: false,
        });
        break;
      }
      case 'call.ended':
        endedAt = e.at;
        reportedDurationMs = num(p.durationMs) ?? 0;
        break;
      default:
        collectSignal(e, rel(e));
    }
  }

  function collectSignal(e: StoredEvent, atMs: number): void {
    const p = e.payload;
    const t = e.type;
    if (t === 'workspace.ide_opened' || (/surface_opened$|\.opened$/.test(t) && (str(p.kind) === 'ide' || str(p.surface) === 'ide'))) {
      ideOpenedMs ??= atMs;
    }
    const passed = num(p.passed) ?? num(p.testsPassed);
    const total = num(p.total) ?? num(p.testsTotal);
    if (/code|tests?/.test(t) && passed !== undefined && total !== undefined && total > 0) {
      // Only the server's own re-run (`code.verified`) is trusted; a browser run (`code.run`) is shown, never scored.
      const verified = t === 'code.verified' || p.verified === true || p.serverVerified === true;
      const label = `${str(p.label) || str(p.problemId) || str(p.name) || 'code'}${t === 'code.run' ? ' (browser run)' : ''}`;
      codeResults.push({ seq: e.seq, atMs, passed, total, verified, label });
      if (verified && passed === total && timeToFirstPassMs === null) timeToFirstPassMs = atMs - (ideOpenedMs ?? codeResults[0]!.atMs);
      return;
    }
    if (/board/.test(t) && (str(p.summary) || str(p.sceneSummary))) {
      board.push({ seq: e.seq, atMs, type: t, text: str(p.summary) || str(p.sceneSummary) });
      return;
    }
    if (/integrity|paste|focus_lost|tab_hidden|second_voice/.test(t)) {
      integrity.push({ seq: e.seq, atMs, type: t, text: str(p.description) || str(p.kind) || describeFact(p) });
      return;
    }
    if (/citation|grounding\./.test(t) || (t === 'interview.tool_call' && /search/.test(str(p.name)))) {
      const text = str(p.text) || str(p.excerpt) || str(p.query) || describeFact(p);
      if (text) citations.push({ seq: e.seq, atMs, type: t, text });
    }
  }

  const last = events.at(-1);
  const endMs = endedAt ? endedAt.getTime() : last ? last.at.getTime() : t0;
  return {
    startedAt,
    endedAt,
    durationMs: Math.max(startedAt ? endMs - t0 : 0, reportedDurationMs, 0),
    utterances,
    stages,
    codeResults,
    timeToFirstPassMs,
    board,
    citations,
    integrity,
    lastSeq: last?.seq ?? 0,
  };
}

function describeFact(p: Record<string, unknown>): string {
  return Object.entries(p)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .slice(0, 6)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

/** `mm:ss` (or `h:mm:ss`) from the call's start. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Stages that hold at least one candidate answer, in order. */
export function answeredStages(t: InterviewTranscript): string[] {
  const seen: string[] = [];
  for (const u of t.utterances) if (u.speaker === 'candidate' && u.stage !== 'greeting' && !seen.includes(u.stage)) seen.push(u.stage);
  return seen;
}
