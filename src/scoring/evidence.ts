/**
 * Evidence verification: every item the model cites must be found, verbatim, in the event log. Quotes must come
 * from the candidate's own words at that `seq` (case, punctuation and spacing aside); references to code results,
 * board summaries and grounding citations must name an event of that kind. Times come from the log, never from
 * the model.
 */
import { clock, type InterviewTranscript } from './transcript.js';

export type EvidenceKind = 'quote' | 'code_result' | 'board' | 'citation';

export interface Evidence {
  kind: EvidenceKind;
  seq: number;
  /** Milliseconds since the call started, and the same as `m:ss`. */
  atMs: number;
  clock: string;
  /** The verified quote, or the fact's text from the log. */
  quote: string;
  /** The passage had low transcription confidence (it may support, never count against, the candidate). */
  lowConfidence: boolean;
}

export interface ClaimedEvidence {
  kind: EvidenceKind;
  seq: number;
  quote: string;
}

export type RejectReason =
  | 'unknown_seq'
  | 'not_candidate_speech'
  | 'not_verbatim'
  | 'too_short'
  | 'addressed_to_scorer'
  | 'low_confidence_against_candidate'
  | 'wrong_kind';

export type Verified = { ok: true; evidence: Evidence } | { ok: false; reason: RejectReason };

export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Checks one claimed item against the transcript. `againstCandidate` says the score it supports is low (≤ 2):
 * low-confidence passages are then refused, so a transcription error never counts against anyone.
 */
export function verifyEvidence(claim: ClaimedEvidence, t: InterviewTranscript, againstCandidate: boolean): Verified {
  if (claim.kind === 'quote') {
    const u = t.utterances.find((x) => x.seq === claim.seq);
    if (!u) return { ok: false, reason: 'unknown_seq' };
    if (u.speaker !== 'candidate') return { ok: false, reason: 'not_candidate_speech' };
    if (u.addressedToScorer) return { ok: false, reason: 'addressed_to_scorer' };
    const quote = normalizeText(claim.quote);
    if (quote.split(' ').filter(Boolean).length < 3) return { ok: false, reason: 'too_short' };
    if (!` ${normalizeText(u.text)} `.includes(` ${quote} `)) return { ok: false, reason: 'not_verbatim' };
    if (u.lowConfidence && againstCandidate) return { ok: false, reason: 'low_confidence_against_candidate' };
    return { ok: true, evidence: { kind: 'quote', seq: u.seq, atMs: u.atMs, clock: clock(u.atMs), quote: claim.quote.trim(), lowConfidence: u.lowConfidence } };
  }
  const pool =
    claim.kind === 'code_result'
      ? t.codeResults.map((c) => ({ seq: c.seq, atMs: c.atMs, text: `${c.label}: ${c.passed}/${c.total} tests passed${c.verified ? ' (server-verified)' : ''}` }))
      : claim.kind === 'board'
        ? t.board
        : claim.kind === 'citation'
          ? t.citations
          : [];
  const fact = pool.find((f) => f.seq === claim.seq);
  if (!fact) return { ok: false, reason: t.utterances.some((u) => u.seq === claim.seq) ? 'wrong_kind' : 'unknown_seq' };
  return { ok: true, evidence: { kind: claim.kind, seq: fact.seq, atMs: fact.atMs, clock: clock(fact.atMs), quote: fact.text, lowConfidence: false } };
}
