/**
 * The dashboard's live feed: every event appended to an interview's log, fanned out to the viewers watching that
 * interview in any web process. It rides on the ProcessBus (src/cluster/process-bus.ts): Redis pub/sub with
 * REDIS_URL, cluster IPC between the workers of one machine, in-process otherwise. One topic per interview; who
 * may subscribe (the interview's tenant) is checked by the route before it subscribes.
 */
import type { ProcessBus } from '../cluster/process-bus.js';

/** One event as viewers receive it (the stored row, `at` as an ISO string). */
export interface FeedEvent {
  interviewId: string;
  seq: number;
  at: string;
  type: string;
  payload: Record<string, unknown>;
}

export type FeedListener = (event: FeedEvent) => void;

export interface LiveFeed {
  /** The transport, for the banner. */
  readonly kind: string;
  publish(event: FeedEvent): void;
  subscribe(interviewId: string, listener: FeedListener): () => void;
}

export const feedTopic = (interviewId: string) => `live:${interviewId}`;

function isFeedEvent(m: unknown): m is FeedEvent {
  const e = m as FeedEvent;
  return typeof m === 'object' && m !== null && typeof e.interviewId === 'string' && Number.isInteger(e.seq) && typeof e.type === 'string';
}

export class BusLiveFeed implements LiveFeed {
  constructor(private readonly bus: ProcessBus) {}

  get kind(): string {
    return this.bus.describe();
  }

  publish(event: FeedEvent): void {
    this.bus.publish(feedTopic(event.interviewId), event);
  }

  subscribe(interviewId: string, listener: FeedListener): () => void {
    return this.bus.subscribe(feedTopic(interviewId), (m) => {
      // Only well-formed events of this interview reach a viewer, whatever else lands on the topic.
      if (isFeedEvent(m) && m.interviewId === interviewId) listener(m);
    });
  }
}

export function toFeedEvent(e: { interviewId: string; seq: number; at: Date | string; type: string; payload: Record<string, unknown> }): FeedEvent {
  return { interviewId: e.interviewId, seq: e.seq, at: typeof e.at === 'string' ? e.at : e.at.toISOString(), type: e.type, payload: e.payload };
}
