/**
 * Fire-and-forget event recording for real-time code: appends run one at a time per interview, in call order,
 * off the audio path. A failed append is retried (the database may be restarting), logged, never thrown into the call; a payload that does not fit its
 * catalogue schema is logged and still written (the log keeps what happened).
 */
import type { Store } from './store.js';
import type { LogSink } from '../lib/logger.js';
import type { RecordEvent } from './events/catalogue.js';
import { payloadProblem } from './events/validate.js';
import { pgErrorCode } from './db.js';

export type { RecordEvent } from './events/catalogue.js';

export interface EventRecorder {
  record: RecordEvent;
  /** Resolves when every event recorded so far has been written (or failed and been logged). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  /** Called for each payload that does not match its schema (counted in a metric by the caller). */
  onInvalid?: (type: string, problem: string) => void;
  /** How long a failing append is retried before the event is given up (default APPEND_RETRY_BUDGET_MS). */
  retryBudgetMs?: number;
}

/**
 * A database that does not answer (restart, failover, a dropped connection) must not cost the log its events:
 * the recorder holds them in order and retries with backoff for this long. Seq stays gap-free (one at a time).
 */
export const APPEND_RETRY_BUDGET_MS = 30_000;

/** Errors the database reported about the row itself (bad data, a constraint): retrying would not help. */
function permanent(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code !== undefined && /^(22|23|42)/.test(code);
}

async function appendWithRetry(append: () => Promise<unknown>, onError: (err: unknown, attempt: number, final: boolean) => void, budgetMs: number): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await append();
      return;
    } catch (err) {
      const waitMs = Math.min(2000, 50 * 2 ** (attempt - 1));
      const final = permanent(err) || Date.now() - started + waitMs > budgetMs;
      onError(err, attempt, final);
      if (final) return;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

export function createEventRecorder(store: Pick<Store, 'events'>, interviewId: string, log: LogSink, opts: EventRecorderOptions = {}): EventRecorder {
  let tail: Promise<void> = Promise.resolve();
  const record: RecordEvent = (type, payload) => {
    const body = (payload ?? {}) as Record<string, unknown>;
    const problem = payloadProblem(type, body);
    if (problem) {
      log.warn({ interviewId, eventType: type, problem }, 'event payload does not match the catalogue');
      opts.onInvalid?.(type, problem);
    }
    tail = tail.then(() => appendWithRetry(() => store.events.append(interviewId, type, body), (err, attempt, final) => {
      if (final) log.error({ err, interviewId, eventType: type, attempts: attempt }, 'event append failed: the event is lost');
      else if (attempt === 1) log.warn({ err, interviewId, eventType: type }, 'event append failed: holding it (and the ones after it) and retrying');
    }, opts.retryBudgetMs ?? APPEND_RETRY_BUDGET_MS));
  };
  return { record, flush: () => tail };
}
