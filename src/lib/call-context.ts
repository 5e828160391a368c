/**
 * The correlation ids of the call whose code is running, carried by AsyncLocalStorage through every task, timer
 * and promise the call starts — so a process-level handler (an unhandled rejection, an uncaught exception) can
 * still say which interview and call it came from.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallContext {
  interviewId: string;
  callSid: string;
}

export const callContext = new AsyncLocalStorage<CallContext>();

/** The running call's ids, or {} outside any call. */
export function currentCallIds(): Partial<CallContext> {
  return callContext.getStore() ?? {};
}
