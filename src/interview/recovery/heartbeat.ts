/**
 * The per-call heartbeat: a row in `live_calls` while a call is live in this process, refreshed for all of the
 * process's calls by one statement every HEARTBEAT_INTERVAL_MS. Writes run on the registry's events and a timer,
 * never on the audio path; a failed write is logged and retried on the next beat (the call goes on regardless).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/index.js';
import type { LiveInterviews } from '../live-registry.js';
import { liveCallsRepo } from './live-calls-repo.js';

/** This process: `host:pid:boot` (the boot id tells a restarted process with a reused pid from the dead one). */
export const PROCESS_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export interface Heartbeat {
  /** Resolves once every registry write started so far is done. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export function startHeartbeat(deps: { store: Store; registry: LiveInterviews; log: Logger; intervalMs: number; processId?: string }): Heartbeat {
  const repo = liveCallsRepo(deps.store.db);
  const processId = deps.processId ?? PROCESS_ID;
  const pending = new Set<Promise<void>>();
  const track = (what: string, interviewId: string, run: () => Promise<unknown>) => {
    const p = run().then(
      () => undefined,
      (err: unknown) => deps.log.warn({ err, interviewId }, `live call heartbeat: ${what} failed`),
    );
    pending.add(p);
    p.finally(() => pending.delete(p)).catch(() => undefined);
  };
  // Adds and removes of one interview run in order (a remove never overtakes its register).
  const chains = new Map<string, Promise<unknown>>();
  const inOrder = (interviewId: string, run: () => Promise<unknown>) => () => {
    const next = (chains.get(interviewId) ?? Promise.resolve()).catch(() => undefined).then(run);
    chains.set(interviewId, next);
    next.finally(() => chains.get(interviewId) === next && chains.delete(interviewId)).catch(() => undefined);
    return next;
  };
  const off = deps.registry.on((event, live) => {
    const id = live.interviewId;
    if (event === 'added') track('register', id, inOrder(id, () => repo.register({ interviewId: id, tenantId: live.tenantId, callSid: live.callSid, processId, stage: live.interviewer?.stage })));
    else track('remove', id, inOrder(id, () => repo.remove(id, processId)));
  });
  let beating: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (beating || deps.registry.size === 0) return;
    const calls = [...deps.registry.values()].map((l) => ({ interviewId: l.interviewId, stage: l.interviewer?.stage ?? 'greeting' }));
    beating = repo
      .beat(processId, calls)
      .then(
        () => undefined,
        (err: unknown) => deps.log.warn({ err, calls: calls.length }, 'live call heartbeat failed; retrying on the next beat'),
      )
      .finally(() => (beating = undefined));
  }, deps.intervalMs);
  timer.unref();
  return {
    settled: async () => {
      await Promise.allSettled([...pending]);
    },
    async stop() {
      clearInterval(timer);
      off();
      await beating;
      await Promise.allSettled([...pending]);
    },
  };
}
