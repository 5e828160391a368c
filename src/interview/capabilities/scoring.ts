/**
 * Scoring in the live call: when the interviewer leaves a stage, that stage's answers are scored on a worker
 * (the rolling decision); when the call ends, the whole interview is scored, the report rendered and emailed.
 * Enqueueing is idempotent (job ids), so a repeated event or end never scores twice.
 */
import type { JobQueue } from '../../jobs/queue.js';
import { enqueueEndOfCall, enqueueStageScoring } from '../../scoring/index.js';
import type { LiveCallHooks } from '../live-call.js';

/** Stages with candidate answers worth scoring. */
const SCORED_STAGES = new Set(['introduction', 'experience', 'technical', 'system_design', 'candidate_questions']);

export function scoringCallHook(queue: JobQueue): LiveCallHooks {
  return {
    observe(type, payload, live) {
      if (type !== 'interview.stage') return;
      const stage = String(payload.from);
      if (!SCORED_STAGES.has(stage)) return;
      return enqueueStageScoring(queue, { interviewId: live.interviewId, stage });
    },
    onEnded(ended) {
      // A call that never got past consent has nothing to score; the pipeline records why it skips a report.
      return enqueueEndOfCall(queue, { interviewId: ended.interviewId });
    },
  };
}
