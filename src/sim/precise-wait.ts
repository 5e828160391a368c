/**
 * Waits that end as soon after their deadline (on `performance.now()`) as practical, for the simulators' intended
 * latencies. The load verdict subtracts a simulator's intended wait from what the caller measured, so every ms its
 * timer fires late is charged to the service under test, and Node's timers are ms-granular and fire up to ~1 ms late.
 * A `setTimeout` covers the bulk; `setImmediate` turns cover the last ~1.5 ms. Each turn yields to I/O, so other
 * sockets are served meanwhile (never a synchronous spin), at the cost of a busy event loop for that last stretch.
 */
import { AbortedError } from '../lib/abort.js';

/** What is left to `setImmediate` turns: a timer may fire up to ~1 ms late, so it is aimed this far early. */
const IMMEDIATE_PHASE_MS = 1.5;
/** Node clamps longer timers to 1 ms; longer waits just take several timers. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `fn` once `performance.now()` reaches `deadlineMs`, never synchronously; returns a cancel function (after
 * it, `fn` is not called and nothing is left pending).
 */
export function preciseTimer(deadlineMs: number, fn: () => void): () => void {
  // A NaN deadline would never be reached: due at once instead, as setTimeout treats a NaN delay.
  const dueMs = Number.isNaN(deadlineMs) ? 0 : deadlineMs;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  // Re-aimed on every check: a timer armed from a stale loop clock can fire early, even by more than the last stretch.
  const arm = () => {
    const remainingMs = dueMs - performance.now();
    if (remainingMs > IMMEDIATE_PHASE_MS) timer = setTimeout(check, Math.min(remainingMs - IMMEDIATE_PHASE_MS, MAX_TIMER_MS));
    else immediate = setImmediate(check);
  };
  const check = () => {
    timer = undefined;
    immediate = undefined;
    if (performance.now() >= dueMs) fn();
    else arm();
  };
  arm();
  return () => {
    clearTimeout(timer);
    clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
  };
}

/**
 * Resolves no earlier than `ms` after the call (by `performance.now()`) and as close after it as practical; like
 * `sleep` in lib/abort.ts, rejects with AbortedError as soon as `signal` aborts (or at once if it already has),
 * leaving nothing pending.
 */
export function preciseWait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const cancel = preciseTimer(performance.now() + Math.max(0, ms), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      cancel();
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
