/**
 * An interrupted call gets a callback: `scheduleCall(reason: 'callback', resumeFromStage)` at the next permitted
 * time. A refusal (attempts exhausted, opted out, no window) is recorded in the interview's log, never thrown.
 */
import { scheduleCall, type SchedulingDeps } from '../../scheduling/scheduler.js';
import { appendEvent } from '../../store/events/index.js';
import { errorMessage } from '../../lib/errors.js';

export async function planCallback(
  deps: SchedulingDeps,
  call: { interviewId: string; tenantId: string; stageReached: string },
): Promise<{ at: Date; jobId: string } | undefined> {
  try {
    const planned = await scheduleCall(deps, { interviewId: call.interviewId, tenantId: call.tenantId, reason: 'callback', resumeFromStage: call.stageReached });
    deps.log.info({ interviewId: call.interviewId, at: planned.at.toISOString(), resumeFromStage: call.stageReached }, 'callback planned for the interrupted call');
    return planned;
  } catch (err) {
    deps.log.warn({ err, interviewId: call.interviewId }, 'no callback for the interrupted call');
    await appendEvent(deps.store, call.interviewId, 'call.callback_failed', { reason: 'callback', error: errorMessage(err) }).catch((e: unknown) =>
      deps.log.error({ err: e, interviewId: call.interviewId }, 'recording the failed callback failed'),
    );
    return undefined;
  }
}
