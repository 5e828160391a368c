/** The event log: append-only rows with a gap-free `seq` per interview (ARCHITECTURE.md §5). */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { notFound } from '../../lib/errors.js';
import { isUuid, rowsOf, toDate, type Db } from '../db.js';
import { events } from '../schema.js';

export interface StoredEvent {
  interviewId: string;
  seq: number;
  /** Serializes to an ISO string in JSON. */
  at: Date;
  type: string;
  payload: Record<string, unknown>;
}

export interface ListEventsOptions {
  /** Only events with seq > afterSeq (for paging and live tailing). */
  afterSeq?: number;
  /** Default 1000, max 5000. */
  limit?: number;
  /** Only events of these types. */
  types?: string[];
}

export interface EventsRepo {
  /** Appends one event; throws AppError 404 (`not_found`) if the interview does not exist. */
  append(interviewId: string, type: string, payload: Record<string, unknown>): Promise<StoredEvent>;
  /** Events in seq order; an unknown or malformed interview id gives []. */
  list(interviewId: string, opts?: ListEventsOptions): Promise<StoredEvent[]>;
  /**
   * Calls `listener` after every append this repo makes (the dashboard's live feed publishes from here, so events
   * written by calls, jobs and routes all reach viewers). Returns a function that removes it. A listener's throw
   * is swallowed: the append already committed.
   */
  onAppended(listener: (event: StoredEvent) => void): () => void;
}

export const DEFAULT_EVENTS_LIMIT = 1000;
export const MAX_EVENTS_LIMIT = 5000;

type RawEvent = { interview_id: string; seq: number | string; at: unknown; type: string; payload: unknown };

export function createEventsRepo(db: Db): EventsRepo {
  const listeners = new Set<(event: StoredEvent) => void>();
  const notify = (event: StoredEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A viewer's feed must never fail the write that fed it.
      }
    }
  };
  return {
    onAppended(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async append(interviewId, type, payload) {
      if (!isUuid(interviewId)) throw notFound('interview', interviewId);
      // One statement: the UPDATE takes the interview's row lock, which serializes concurrent appenders, and the
      // counter bump and the insert commit together, so seq has neither gaps nor duplicates.
      const result = await db.execute(sql`
        WITH s AS (
          UPDATE interviews SET event_seq = event_seq + 1, updated_at = now()
          WHERE id = ${interviewId}
          RETURNING id, event_seq
        )
        INSERT INTO events (interview_id, seq, type, payload)
        SELECT s.id, s.event_seq, ${type}::text, ${JSON.stringify(payload ?? {})}::jsonb FROM s
        RETURNING interview_id, seq, at, type, payload`);
      const row = rowsOf<RawEvent>(result)[0];
      if (!row) throw notFound('interview', interviewId);
      const stored: StoredEvent = {
        interviewId: row.interview_id,
        seq: Number(row.seq),
        at: toDate(row.at),
        type: row.type,
        payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>,
      };
      if (listeners.size > 0) notify(stored);
      return stored;
    },

    async list(interviewId, opts = {}) {
      if (!isUuid(interviewId)) return [];
      const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_EVENTS_LIMIT), 1), MAX_EVENTS_LIMIT);
      const rows = await db
        .select()
        .from(events)
        .where(
          and(
            eq(events.interviewId, interviewId),
            gt(events.seq, Math.trunc(opts.afterSeq ?? 0)),
            opts.types?.length ? inArray(events.type, opts.types) : undefined,
          ),
        )
        .orderBy(asc(events.seq))
        .limit(limit);
      return rows.map((r) => ({ interviewId: r.interviewId, seq: r.seq, at: r.at, type: r.type, payload: r.payload }));
    },
  };
}
