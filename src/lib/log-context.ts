/**
 * Correlation ids for log lines written by code that does not hold a child logger with them: the job being run
 * (jobId, job, interviewId) and the agent reply being produced (replyId). Carried by AsyncLocalStorage; the
 * service logger's mixin (lib/logger.ts) adds them to every line written inside. A call's own ids ride on its
 * child logger (interview/live-call.ts) and on lib/call-context.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  jobId?: string;
  job?: string;
  interviewId?: string;
  replyId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with these ids (replacing any outer ones: a job enqueued during a reply is not part of that reply).
 */
export function withLogContext<T>(ids: LogContext, fn: () => T): T {
  return storage.run(ids, fn);
}

/** The ids of the running job or reply, or undefined outside one. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
