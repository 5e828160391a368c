/** What the scorer produces: per-stage answer scores, and the interview's scorecard (the JSON the API returns). */
import type { Evidence } from './evidence.js';

export type ScorerKind = 'model' | 'offline';

/** Who scored, with what: recorded on every score. */
export interface ScorerInfo {
  kind: ScorerKind;
  /** Changes whenever the scoring logic or output shape changes (part of the unique key of a score). */
  version: string;
  model: string | null;
  promptVersion: string;
  temperature: number | null;
  /** One sentence shown on every output (offline: "no language model …"). */
  label: string;
}

export interface DimensionResult {
  id: string;
  /** 1–4, or null when not assessed (no verified evidence). */
  score: number | null;
  rationale: string;
  evidence: Evidence[];
}

export interface GateResult {
  id: string;
  result: 'pass' | 'fail' | 'not_assessed';
  rationale: string;
  evidence: Evidence[];
}

/** One stage's answers scored (the `score-answer` job's result). */
export interface StageScore {
  stage: string;
  /** Candidate utterances scored (their seqs). */
  answerSeqs: number[];
  dimensions: DimensionResult[];
  gates: GateResult[];
  probes: string[];
  rejected: { seq: number; kind: string; reason: string; dimension: string }[];
  scorer: ScorerInfo;
  rubricRef: string;
  lastSeq: number;
}

export interface BandView {
  id: string;
  label: string;
}

export interface Decision {
  band: BandView;
  /** Weighted mean over the assessed dimensions (1–4), null when nothing was assessed. */
  weightedScore: number | null;
  /** Share of the rubric's weight that was assessed (0–1). */
  coverage: number;
  /** 0–1, from coverage, evidence per dimension and transcription confidence. */
  confidence: number;
  confidenceLabel: 'high' | 'medium' | 'low';
  knockoutFailed: string[];
  openGates: string[];
  note: string;
}

export interface ScorecardDimension {
  id: string;
  name: string;
  weight: number;
  score: number | null;
  status: 'assessed' | 'not_assessed';
  rationale: string;
  /** The anchored descriptor nearest the score. */
  anchor: string | null;
  evidence: Evidence[];
}

export interface ScorecardGate {
  id: string;
  name: string;
  knockout: boolean;
  result: 'pass' | 'fail' | 'not_assessed';
  rationale: string;
  evidence: Evidence[];
}

export interface TranscriptLine {
  seq: number;
  clock: string;
  speaker: 'interviewer' | 'candidate';
  stage: string;
  text: string;
  interrupted: boolean;
  lowConfidence: boolean;
  addressedToScorer: boolean;
}

export interface Scorecard {
  schemaVersion: 1;
  interviewId: string;
  /** 1 for the first scoring; a rescore writes the next revision. */
  revision: number;
  /** `final` after the call ended; `rolling` while it runs. */
  status: 'final' | 'rolling';
  generatedAt: string;
  candidate: { name: string };
  role: { title: string; level: string | null };
  interviewStatus: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number;
  rubric: { id: string; version: number; title: string; hash: string };
  scorer: ScorerInfo;
  decision: Decision;
  summary: string;
  strengths: string[];
  gaps: string[];
  dimensions: ScorecardDimension[];
  gates: ScorecardGate[];
  probes: string[];
  codeResults: { seq: number; clock: string; label: string; passed: number; total: number; verified: boolean }[];
  timeToFirstPassMs: number | null;
  board: { seq: number; clock: string; text: string }[];
  citations: { seq: number; clock: string; text: string }[];
  integrity: { seq: number; clock: string; type: string; text: string }[];
  rejectedEvidence: number;
  transcript: TranscriptLine[];
  notice: string;
}

export const HUMAN_DECISION_NOTICE =
  'This recommendation supports, and does not replace, a human hiring decision. It is based only on what was said ' +
  'and done in the interview (words, code results, board content); it never uses tone, emotion, accent or voice ' +
  'quality. A reviewer should read the cited evidence and the transcript before deciding, and the candidate may ' +
  'ask for a human review.';
