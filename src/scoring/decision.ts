/**
 * The decision: stage scores → per-dimension scores, gates, a band with a confidence, strengths, gaps and what to
 * probe next round. Pure functions: the rolling decision (after each stage) and the final scorecard use the same.
 */
import type { Rubric } from './rubric.js';
import type { Evidence } from './evidence.js';
import { clock, type InterviewTranscript } from './transcript.js';
import {
  HUMAN_DECISION_NOTICE,
  type Decision,
  type Scorecard,
  type ScorecardDimension,
  type ScorecardGate,
  type ScorerInfo,
  type StageScore,
} from './types.js';

const MAX_EVIDENCE = 4;
const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

export function mergeDimensions(rubric: Rubric, stages: StageScore[]): ScorecardDimension[] {
  return rubric.dimensions.map((d) => {
    const results = stages.flatMap((s) => s.dimensions.filter((x) => x.id === d.id && x.score !== null));
    if (results.length === 0) {
      const note = stages.flatMap((s) => s.dimensions.filter((x) => x.id === d.id)).at(-1)?.rationale;
      return { id: d.id, name: d.name, weight: d.weight, score: null, status: 'not_assessed', rationale: note ?? 'Not assessed: no stage covering it was reached.', anchor: null, evidence: [] };
    }
    const score = round1(results.reduce((s, r) => s + (r.score ?? 0), 0) / results.length);
    const best = [...results].sort((a, b) => b.evidence.length - a.evidence.length)[0]!;
    const evidence: Evidence[] = [];
    for (const r of results) for (const e of r.evidence) if (evidence.length < MAX_EVIDENCE && !evidence.some((x) => x.seq === e.seq && x.quote === e.quote)) evidence.push(e);
    const anchorKey = String(Math.min(4, Math.max(1, Math.round(score)))) as '1' | '2' | '3' | '4';
    return { id: d.id, name: d.name, weight: d.weight, score, status: 'assessed', rationale: best.rationale, anchor: d.anchors[anchorKey], evidence };
  });
}

export function mergeGates(rubric: Rubric, stages: StageScore[]): ScorecardGate[] {
  return rubric.gates.map((g) => {
    const results = stages.flatMap((s) => s.gates.filter((x) => x.id === g.id && x.result !== 'not_assessed'));
    const fail = results.find((r) => r.result === 'fail');
    const pass = results.find((r) => r.result === 'pass');
    const pick = fail ?? pass;
    return {
      id: g.id,
      name: g.name,
      knockout: g.knockout,
      result: pick?.result ?? 'not_assessed',
      rationale: pick?.rationale ?? 'Not assessed: no verified evidence either way.',
      evidence: pick?.evidence ?? [],
    };
  });
}

export function decide(rubric: Rubric, dims: ScorecardDimension[], gates: ScorecardGate[], t: InterviewTranscript): Decision {
  const assessed = dims.filter((d) => d.score !== null);
  const weight = assessed.reduce((s, d) => s + d.weight, 0);
  const weightedScore = weight > 0 ? round2(assessed.reduce((s, d) => s + d.weight * (d.score ?? 0), 0) / weight) : null;
  const coverage = round2(weight);
  const knockoutFailed = gates.filter((g) => g.knockout && g.result === 'fail').map((g) => g.id);
  const openGates = gates.filter((g) => g.result === 'not_assessed').map((g) => g.id);
  const evidenceCount = assessed.reduce((s, d) => s + d.evidence.length, 0);
  const candidate = t.utterances.filter((u) => u.speaker === 'candidate');
  const lowShare = candidate.length ? candidate.filter((u) => u.lowConfidence).length / candidate.length : 0;
  const evidenceFactor = assessed.length ? Math.min(1, evidenceCount / (2 * assessed.length)) : 0;
  const confidence = round2(Math.max(0, Math.min(1, coverage * (0.6 + 0.4 * evidenceFactor) * (1 - 0.5 * lowShare))));
  const confidenceLabel = confidence >= 0.75 ? 'high' : confidence >= 0.5 ? 'medium' : 'low';
  const lowest = rubric.bands.at(-1)!;
  let band: { id: string; label: string };
  let note: string;
  if (knockoutFailed.length > 0) {
    band = { id: lowest.id, label: lowest.label };
    note = `Knock-out gate failed (${knockoutFailed.join(', ')}): the band is capped at "${lowest.label}". Check the gate's evidence.`;
  } else if (weightedScore === null || coverage < rubric.minCoverage) {
    band = { id: 'insufficient_evidence', label: 'Insufficient evidence' };
    note = `Only ${Math.round(coverage * 100)}% of the rubric's weight was assessed (at least ${Math.round(rubric.minCoverage * 100)}% is needed for a band).`;
  } else {
    const b = rubric.bands.find((x) => weightedScore >= x.minScore) ?? lowest;
    band = { id: b.id, label: b.label };
    note = `Weighted score ${weightedScore.toFixed(2)} of 4 over ${Math.round(coverage * 100)}% of the rubric's weight.`;
  }
  return { band, weightedScore, coverage, confidence, confidenceLabel, knockoutFailed, openGates, note };
}

export interface ScorecardContext {
  interviewId: string;
  revision: number;
  status: 'final' | 'rolling';
  candidate: { name: string };
  role: { title: string; level: string | null };
  interviewStatus: string;
  scorer: ScorerInfo;
  now?: Date;
}

export function buildScorecard(rubric: Rubric, stages: StageScore[], t: InterviewTranscript, ctx: ScorecardContext): Scorecard {
  const dimensions = mergeDimensions(rubric, stages);
  const gates = mergeGates(rubric, stages);
  const decision = decide(rubric, dimensions, gates, t);
  const assessed = dimensions.filter((d) => d.score !== null).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const strengths = assessed.filter((d) => (d.score ?? 0) >= 3).slice(0, 3).map((d) => `${d.name} (${d.score}/4): ${d.rationale}`);
  const gaps = [
    ...assessed.filter((d) => (d.score ?? 0) <= 2).reverse().slice(0, 3).map((d) => `${d.name} (${d.score}/4): ${d.rationale}`),
    ...dimensions.filter((d) => d.score === null).map((d) => `${d.name}: not assessed`),
  ];
  const probes: string[] = [];
  const addProbe = (p: string) => {
    if (p && !probes.includes(p) && probes.length < 8) probes.push(p);
  };
  for (const d of dimensions) if (d.score === null || d.score <= 2) addProbe(`${d.name}: ${rubric.dimensions.find((x) => x.id === d.id)!.probe}`);
  for (const g of gates) if (g.result !== 'pass') addProbe(`Gate "${g.name}" (${g.result === 'fail' ? 'failed' : 'open'}): ${rubric.gates.find((x) => x.id === g.id)?.description ?? ''}`.trim());
  for (const s of stages) for (const p of s.probes) addProbe(p);
  const rejectedEvidence = stages.reduce((n, s) => n + s.rejected.length, 0);
  const summary = summarize(decision, dimensions, ctx.scorer);
  return {
    schemaVersion: 1,
    interviewId: ctx.interviewId,
    revision: ctx.revision,
    status: ctx.status,
    generatedAt: (ctx.now ?? new Date()).toISOString(),
    candidate: ctx.candidate,
    role: ctx.role,
    interviewStatus: ctx.interviewStatus,
    startedAt: t.startedAt?.toISOString() ?? null,
    endedAt: t.endedAt?.toISOString() ?? null,
    durationMs: t.durationMs,
    rubric: { id: rubric.id, version: rubric.version, title: rubric.title, hash: rubric.hash },
    scorer: ctx.scorer,
    decision,
    summary,
    strengths,
    gaps,
    dimensions,
    gates,
    probes,
    codeResults: t.codeResults.map((c) => ({ seq: c.seq, clock: clock(c.atMs), label: c.label, passed: c.passed, total: c.total, verified: c.verified })),
    timeToFirstPassMs: t.timeToFirstPassMs,
    board: t.board.map((b) => ({ seq: b.seq, clock: clock(b.atMs), text: b.text })),
    citations: t.citations.map((c) => ({ seq: c.seq, clock: clock(c.atMs), text: c.text })),
    integrity: t.integrity.map((f) => ({ seq: f.seq, clock: clock(f.atMs), type: f.type, text: f.text })),
    rejectedEvidence,
    transcript: t.utterances.map((u) => ({
      seq: u.seq,
      clock: clock(u.atMs),
      speaker: u.speaker,
      stage: u.stage,
      text: u.text,
      interrupted: u.interrupted,
      lowConfidence: u.lowConfidence,
      addressedToScorer: u.addressedToScorer,
    })),
    notice: HUMAN_DECISION_NOTICE,
  };
}

function summarize(d: Decision, dims: ScorecardDimension[], scorer: ScorerInfo): string {
  const assessed = dims.filter((x) => x.score !== null);
  const parts = [
    `Recommendation: ${d.band.label} (confidence ${d.confidenceLabel}, ${Math.round(d.confidence * 100)}%).`,
    d.weightedScore !== null
      ? `Weighted score ${d.weightedScore.toFixed(2)} of 4 across ${assessed.length} of ${dims.length} dimensions (${Math.round(d.coverage * 100)}% of the rubric's weight).`
      : `No dimension could be assessed from verified evidence.`,
  ];
  const top = [...assessed].sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0];
  const low = [...assessed].sort((a, b) => (a.score ?? 0) - (b.score ?? 0))[0];
  if (top && (top.score ?? 0) >= 3) parts.push(`Strongest: ${top.name} (${top.score}).`);
  if (low && (low.score ?? 0) <= 2) parts.push(`Weakest: ${low.name} (${low.score}).`);
  const missing = dims.filter((x) => x.score === null).map((x) => x.name);
  if (missing.length) parts.push(`Not assessed: ${missing.join(', ')}.`);
  if (d.knockoutFailed.length) parts.push(d.note);
  if (scorer.kind === 'offline') parts.push('Scored offline without a language model.');
  return parts.join(' ');
}
