/**
 * Scoring: the entry points the live call uses, and what the jobs, routes and commands need.
 *
 *   enqueueStageScoring(queue, { interviewId, stage })  a stage closed: score its answers (idempotent)
 *   enqueueEndOfCall(queue, { interviewId })             the call ended: final score, report, email (idempotent)
 */
export { enqueueEndOfCall, enqueueRescore, enqueueStageScoring, JOB_NAMES, repoOf } from './pipeline.js';
export type { ScoringDeps } from './pipeline.js';
export { loadRubrics, rubrics, RubricError, RubricRegistry, type Rubric } from './rubric.js';
export { ModelScorer, OfflineScorer, type Scorer } from './scorer.js';
export type { Scorecard } from './types.js';
