/**
 * Crash recovery: one row per live call, held by the process that serves it. The process refreshes
 * `heartbeat_at` every HEARTBEAT_INTERVAL_MS (one statement for all its calls, off the audio path) and deletes
 * the row when the call ends; a row whose heartbeat is stale belongs to a process that died (kill -9, OOM, lost
 * host), and the sweeper turns it into an interrupted interview with a callback.
 */
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { interviews } from './schema.js';

export const liveCalls = pgTable(
  'live_calls',
  {
    interviewId: uuid('interview_id')
      .primaryKey()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull().default('default'),
    callSid: text('call_sid').notNull(),
    /** `host:pid:boot`: the boot id tells a restarted process (same pid) from the one that died. */
    processId: text('process_id').notNull(),
    /** The stage the call was in at the last heartbeat (the event log is the primary source). */
    stage: text('stage'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('live_calls_heartbeat_idx').on(t.heartbeatAt)],
);
