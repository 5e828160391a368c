/**
 * Fire-and-forget event recording for real-time code: appends run one at a time per interview, in call order,
 * off the audio path. A failed append is logged, never thrown into the call; a payload that does not fit its
 * catalogue schema is logged and still written (the log keeps what happened).
 */
import type { Store } from './store.js';
import type { LogSink } from '../lib/logger.js';
import type { RecordEvent } from './events/catalogue.js';
import { payloadProblem } from './events/validate.js';

export type { RecordEvent } from './events/catalogue.js';

export interface EventRecorder {
  record: RecordEvent;
  /** Resolves when every event recorded so far has been written (or failed and been logged). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  /** Called for each payload that does not match its schema (counted in a metric by the caller). */
  onInvalid?: (type: string, problem: string) => void;
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
    tail = tail.then(
      () =>
        store.events.append(interviewId, type, body).then(
          () => undefined,
          (err: unknown) => log.error({ err, interviewId, eventType: type }, 'event append failed'),
        ),
    );
  };
  return { record, flush: () => tail };
}
