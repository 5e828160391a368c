/**
 * Scheduling tables: the due-time row of every planned call (the source of truth, so a restart of an in-process
 * queue loses nothing), the opt-out register per organisation and phone number, and the candidate's own links.
 */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { interviews } from './schema.js';

export const SCHEDULED_CALL_STATUSES = ['pending', 'claimed', 'done', 'canceled', 'superseded'] as const;
export type ScheduledCallStatus = (typeof SCHEDULED_CALL_STATUSES)[number];

/** One row per planned dial. At most one `pending` row per interview: a new plan supersedes the old one. */
export const scheduledCalls = pgTable(
  'scheduled_calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull().default('default'),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    /** created, ats, retry, callback, reschedule, manual. */
    reason: text('reason').notNull(),
    /** The call attempt this dial will be (1 = first call). */
    attempt: integer('attempt').notNull().default(1),
    status: text('status').$type<ScheduledCallStatus>().notNull().default('pending'),
    /** Queue job id that dials it (BullMQ delayed job, or the poller's immediate job). */
    jobId: text('job_id').notNull(),
    /** IANA zone the decision was made in. */
    timezone: text('timezone').notNull(),
    /** Where a callback picks the interview up again (drain / crash recovery). */
    resumeFromStage: text('resume_from_stage'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('scheduled_calls_one_pending_uq').on(t.interviewId).where(sql`${t.status} = 'pending'`),
    index('scheduled_calls_due_idx').on(t.status, t.dueAt),
  ],
);

/** Consent revoked for calls and texts: one row per organisation and E.164 number (STOP, spoken, link, API). */
export const optOuts = pgTable(
  'opt_outs',
  {
    tenantId: text('tenant_id').notNull().default('default'),
    phone: text('phone').notNull(),
    /** sms, spoken, link, api. */
    source: text('source').notNull(),
    /** The word or phrase that revoked consent (STOP, QUIT, …), when there was one. */
    keyword: text('keyword'),
    interviewId: uuid('interview_id').references(() => interviews.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.phone] })],
);

/** The candidate's page (`/c/<token>`): hashed at rest, one interview each, long-lived (GDPR requests come later). */
export const candidateLinks = pgTable(
  'candidate_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull().default('default'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('candidate_links_interview_idx').on(t.interviewId)],
);
