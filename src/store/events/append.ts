/** Typed, awaited appends for request handlers (webhooks, API): the same catalogue as the live recorder. */
import type { EventsRepo, StoredEvent } from '../repos/events.js';
import type { EventPayload, EventType } from './catalogue.js';

export function appendEvent<T extends EventType>(
  store: { events: Pick<EventsRepo, 'append'> },
  interviewId: string,
  type: T,
  payload: EventPayload<T>,
): Promise<StoredEvent> {
  return store.events.append(interviewId, type, payload as Record<string, unknown>);
}
