/**
 * Workspace tables: the candidate's link tokens (hashed at rest, one interview each) and the page state the live
 * channel resumes after a reload or a dropped connection (the surface open, the problem, the last code).
 */
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { interviews } from './schema.js';

/** Texted workspace links. Valid while not revoked, before `expires_at`, and until the interview's end + grace. */
export const workspaceLinks = pgTable(
  'workspace_links',
  {
    /** sha256 hex of the plain token; the plain token is only ever in the text message. */
    tokenHash: text('token_hash').primaryKey(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull().default('default'),
    /** Why it was issued: consent, open_ide, api. */
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Hard cap on the link's life; ending the interview pulls it in to end + grace. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    useCount: integer('use_count').notNull().default(0),
  },
  (t) => [index('workspace_links_interview_idx').on(t.interviewId)],
);

/** One row per interview: what the candidate's page shows, so a reload resumes where it was. */
export const workspaceState = pgTable('workspace_state', {
  interviewId: uuid('interview_id')
    .primaryKey()
    .references(() => interviews.id, { onDelete: 'cascade' }),
  /** `{ kind: 'ide' | 'board', problemId, problemVersion }` (board: the design prompt) or null before a surface opens. */
  surface: jsonb('surface').$type<{ kind: 'ide' | 'board'; problemId: string; problemVersion: number } | null>(),
  code: text('code'),
  codeUpdatedAt: timestamp('code_updated_at', { withTimezone: true }),
  /** The short code the page shows for the candidate to read out (binds phone and browser). */
  bindingCode: text('binding_code'),
  boundAt: timestamp('bound_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
