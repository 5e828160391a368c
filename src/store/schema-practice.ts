/**
 * Practice-line links: a recruiter's link that lets someone take an interview from the browser, with no phone.
 * Hashed at rest, one interview each, expiring, and claimed once: the first practice call binds the link to its
 * CallSid, so a leaked link cannot start a second call.
 */
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { interviews } from './schema.js';

export const practiceLinks = pgTable(
  'practice_links',
  {
    /** sha256 hex of the plain token; the plain token is only in the API response. */
    tokenHash: text('token_hash').primaryKey(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull().default('default'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Set when the page starts its call; the media socket must then present this CallSid. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    callSid: text('call_sid'),
  },
  (t) => [index('practice_links_interview_idx').on(t.interviewId)],
);
