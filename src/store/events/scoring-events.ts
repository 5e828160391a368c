/** Event types written by the scoring capability. Add an entry here (and to docs/events.md) for each new event. */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Scorer = Type.Object({
  kind: Type.String(),
  version: Type.String(),
  model: Nullable(Type.String()),
  promptVersion: Type.String(),
  temperature: Nullable(Type.Number()),
});
const DimensionScores = Type.Array(Type.Object({ id: Type.String(), score: Nullable(Type.Number()) }));

export const scoringEvents = {
  'score.rubric_selected': event('The first time an interview is scored: the rubric (id, version, content hash) it is pinned to.', {
    rubricId: Type.String(),
    rubricVersion: Type.Integer(),
    rubricHash: Type.String(),
    reason: Type.String(),
  }),
  'score.answer': event("One stage's answers were scored (the `score-answer` job's result; written once per stage, rubric and scorer).", {
    stage: Type.String(),
    answerSeqs: Type.Array(Type.Integer()),
    rubricRef: Type.String(),
    scorer: Scorer,
    dimensions: DimensionScores,
    gates: Type.Array(Type.Object({ id: Type.String(), result: Type.String() })),
    rejectedEvidence: Type.Integer(),
  }),
  'score.evidence_rejected': event('An evidence item the model cited could not be verified in the log (or was not admissible) and was dropped.', {
    stage: Type.String(),
    dimension: Type.String(),
    seq: Type.Integer(),
    kind: Type.String(),
    reason: Type.String(),
  }),
  'decision.updated': event('The rolling decision after a scored stage (and the final one after the call): band, confidence, per-dimension scores and open gates.', {
    band: Type.String(),
    bandLabel: Type.String(),
    confidence: Type.Number(),
    weightedScore: Nullable(Type.Number()),
    coverage: Type.Number(),
    dimensions: DimensionScores,
    openGates: Type.Array(Type.String()),
    knockoutFailed: Type.Array(Type.String()),
    stagesScored: Type.Array(Type.String()),
    final: Type.Boolean(),
  }),
  'score.interview': event('The interview scorecard was written (one per interview, rubric version, scorer version and revision).', {
    scoreId: Type.String(),
    revision: Type.Integer(),
    rubricRef: Type.String(),
    scorer: Scorer,
    band: Type.String(),
    confidence: Type.Number(),
    weightedScore: Nullable(Type.Number()),
  }),
  'report.rendered': event('The PDF scorecard was rendered and stored as an artifact.', {
    reportId: Type.String(),
    scoreId: Type.String(),
    artifactId: Type.String(),
    bytes: Type.Integer(),
    pages: Nullable(Type.Integer()),
    renderMs: Type.Integer(),
  }),
  'report.sent': event('The scorecard email left through the email adapter (once per report: the outbox row records it).', {
    reportId: Type.String(),
    outboxId: Type.String(),
    provider: Type.String(),
    providerMessageId: Nullable(Type.String()),
    to: Type.String(),
  }),
  'report.skipped': event('No email was sent for a report, and why (for example: the interview has no hiring-manager address).', {
    reportId: Type.String(),
    reason: Type.String(),
  }),
  'job.failed': event('A background job for this interview gave up (unrecoverable error, or its retries ran out). The interview shows the failure.', {
    job: Type.String(),
    jobId: Type.String(),
    attempt: Type.Integer(),
    attempts: Type.Integer(),
    unrecoverable: Type.Boolean(),
    error: Type.String(),
  }),
} as const;
