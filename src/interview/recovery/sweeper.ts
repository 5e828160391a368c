/**
 * The sweeper: finds live calls whose process stopped beating (kill -9, OOM, a lost host), claims each row once,
 * and turns the call into an interrupted interview — `call.interrupted` in its log (everything already written
 * stays), status `interrupted`, and a callback that resumes at the stage the event log says it reached.
 */
import type { Store } from '../../store/index.js';
import type { SchedulingDeps } from '../../scheduling/scheduler.js';
import { appendEvent } from '../../store/events/index.js';
import { isStageName, stageIndex, type StageName } from '../stages.js';
import { liveCallsRepo, type LiveCallRow } from './live-calls-repo.js';
import { planCallback } from './callback.js';

export interface SweepResult {
  interviewId: string;
  callSid: string;
  stageReached: string;
  /** False when the interview had already moved on (e.g. it ended cleanly and only the row was left). */
  interrupted: boolean;
  callbackAt?: string;
}

/** The furthest stage in the log (`interview.stage` events), else the row's last heartbeat stage, else greeting. */
export async function stageFromLog(store: Store, interviewId: string, fallback?: string | null): Promise<StageName> {
  const events = await store.events.list(interviewId, { types: ['interview.stage'] });
  let stage: StageName = isStageName(fallback) ? fallback : 'greeting';
  for (const e of events) if (isStageName(e.payload.to) && stageIndex(e.payload.to) > stageIndex(stage)) stage = e.payload.to;
  return stage;
}

export async function sweepStaleCalls(deps: SchedulingDeps, staleAfterMs: number): Promise<SweepResult[]> {
  const claimed = await liveCallsRepo(deps.store.db).claimStale(staleAfterMs);
  const results: SweepResult[] = [];
  for (const row of claimed) {
    try {
      results.push(await recoverCall(deps, row));
    } catch (err) {
      deps.log.error({ err, interviewId: row.interviewId, callSid: row.callSid }, 'recovering a crashed call failed');
    }
  }
  return results;
}

async function recoverCall(deps: SchedulingDeps, row: LiveCallRow): Promise<SweepResult> {
  const { store, log } = deps;
  const stageReached = await stageFromLog(store, row.interviewId, row.stage);
  const moved = await store.interviews.transition(row.interviewId, 'interrupted', { from: ['calling', 'in_progress'], stageReached });
  const result: SweepResult = { interviewId: row.interviewId, callSid: row.callSid, stageReached, interrupted: moved };
  if (!moved) return result;
  await appendEvent(store, row.interviewId, 'call.interrupted', {
    reason: 'process_died',
    callSid: row.callSid,
    stageReached,
    processId: row.processId,
    lastHeartbeatAt: row.heartbeatAt.toISOString(),
  });
  log.warn({ interviewId: row.interviewId, callSid: row.callSid, processId: row.processId, stageReached }, 'call of a dead process marked interrupted');
  const planned = await planCallback(deps, { interviewId: row.interviewId, tenantId: row.tenantId, stageReached });
  if (planned) result.callbackAt = planned.at.toISOString();
  return result;
}
