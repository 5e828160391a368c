/**
 * Scoring, reports and the email outbox. Exactly-once effects on an at-least-once queue: one row per unit of work
 * (unique keys below), claimed by a conditional update, results written before any side effect.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { artifacts, interviews } from './schema.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const WORK_STATUSES = `status in ('claimed', 'done', 'failed')`;

/** The rubric an interview is scored with, pinned the first time it is scored. */
export const interviewRubrics = pgTable('interview_rubrics', {
  interviewId: uuid('interview_id')
    .primaryKey()
    .references(() => interviews.id, { onDelete: 'cascade' }),
  rubricId: text('rubric_id').notNull(),
  rubricVersion: integer('rubric_version').notNull(),
  rubricHash: text('rubric_hash').notNull(),
  createdAt: createdAt(),
});

/** One stage's answers scored: unique per (interview, question, rubric version, scorer version). */
export const answerScores = pgTable(
  'answer_scores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    /** The stage whose answers were scored (the interviewer does not record question ids yet). */
    questionKey: text('question_key').notNull(),
    rubricId: text('rubric_id').notNull(),
    rubricVersion: integer('rubric_version').notNull(),
    scorerVersion: text('scorer_version').notNull(),
    status: text('status').notNull().default('claimed'),
    /** Who holds the claim (a job id) and since when. */
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    model: text('model'),
    promptVersion: text('prompt_version').notNull(),
    temperature: text('temperature'),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('answer_scores_uq').on(t.interviewId, t.questionKey, t.rubricId, t.rubricVersion, t.scorerVersion),
    check('answer_scores_status_ck', sql.raw(WORK_STATUSES)),
  ],
);

/** The interview's scorecard: unique per (interview, rubric version, scorer version, revision). */
export const interviewScores = pgTable(
  'interview_scores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    rubricId: text('rubric_id').notNull(),
    rubricVersion: integer('rubric_version').notNull(),
    scorerVersion: text('scorer_version').notNull(),
    /** 1 for the first scoring; `screenline rescore` writes the next one. */
    revision: integer('revision').notNull().default(1),
    status: text('status').notNull().default('claimed'),
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    model: text('model'),
    promptVersion: text('prompt_version').notNull(),
    temperature: text('temperature'),
    band: text('band'),
    scorecard: jsonb('scorecard').$type<Record<string, unknown>>(),
    error: text('error'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('interview_scores_uq').on(t.interviewId, t.rubricId, t.rubricVersion, t.scorerVersion, t.revision),
    index('interview_scores_interview_idx').on(t.interviewId, t.createdAt),
    check('interview_scores_status_ck', sql.raw(WORK_STATUSES)),
  ],
);

/** A rendered PDF scorecard: one per interview score. */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    interviewScoreId: uuid('interview_score_id')
      .notNull()
      .references(() => interviewScores.id, { onDelete: 'cascade' }),
    artifactId: uuid('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('reports_score_uq').on(t.interviewScoreId), index('reports_interview_idx').on(t.interviewId, t.createdAt)],
);

/** The email outbox: one row per report; claimed, sent, and the provider's message id recorded. */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    reportId: uuid('report_id')
      .notNull()
      .references(() => reports.id, { onDelete: 'cascade' }),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    /** pending → sending (claimed) → sent | failed. */
    status: text('status').notNull().default('pending'),
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    /** Where the local adapter wrote the message (the .eml path). */
    location: text('location'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('email_outbox_report_uq').on(t.reportId),
    index('email_outbox_interview_idx').on(t.interviewId),
    check('email_outbox_status_ck', sql.raw(`status in ('pending', 'sending', 'sent', 'failed')`)),
  ],
);
