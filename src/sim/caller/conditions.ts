/**
 * Promises that resolve when a predicate over the call's state becomes true. The call re-checks them after every
 * tick and every message, so no polling timers are needed; each wait resolves false on timeout, abort or call end.
 */
import type { WaitOptions } from './types.js';

interface Waiter {
  check: () => boolean;
  settle: (ok: boolean) => void;
}

export class Conditions {
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  waitFor(check: () => boolean, opts: WaitOptions = {}): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    if (this.closed || opts.signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => waiter.settle(false);
      const waiter: Waiter = {
        check,
        settle: (ok) => {
          if (!this.waiters.delete(waiter)) return;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(ok);
        },
      };
      this.waiters.add(waiter);
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => waiter.settle(false), Math.max(0, opts.timeoutMs));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Re-evaluates every pending predicate. */
  poke(): void {
    for (const w of [...this.waiters]) if (w.check()) w.settle(true);
  }

  /** The call is over: every pending wait resolves (true if its condition now holds). */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w.settle(w.check());
  }
}
