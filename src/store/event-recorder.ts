/**
 * Fire-and-forget event recording for real-time code: appends run one at a time per interview, in call order,
 * off the audio path. A failed append is logged, never thrown into the call.
 */
import type { Store } from './store.js';
import type { LogSink } from '../lib/logger.js';

export type RecordEvent = (type: string, payload?: Record<string, unknown>) => void;

export interface EventRecorder {
  record: RecordEvent;
  /** Resolves when every event recorded so far has been written (or failed and been logged). */
  flush(): Promise<void>;
}

export function createEventRecorder(store: Pick<Store, 'events'>, interviewId: string, log: LogSink): EventRecorder {
  let tail: Promise<void> = Promise.resolve();
  return {
    record(type, payload = {}) {
      tail = tail.then(
        () =>
          store.events.append(interviewId, type, payload).then(
            () => undefined,
            (err: unknown) => log.error({ err, interviewId, eventType: type }, 'event append failed'),
          ),
      );
    },
    flush: () => tail,
  };
}
