/**
 * The one Drizzle schema, shared by PGlite (embedded) and PostgreSQL. Change it, then run `npm run db:generate`
 * to write a new migration into src/store/migrations (never edit an applied migration).
 */
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const INTERVIEW_STATUSES = [
  'scheduled',
  'calling',
  'in_progress',
  'completed',
  'failed',
  'canceled',
  'no_answer',
  'busy',
  'voicemail',
  'consent_refused',
  /** The call ended before the interview reached its close (hang-up, dropped socket, error): call back later. */
  'incomplete',
  /** The call was cut off on our side (drain timeout, process crash): a callback resumes it where it stopped. */
  'interrupted',
] as const;
export type InterviewStatus = (typeof INTERVIEW_STATUSES)[number];

/** Statuses after which the interview is over: `ended_at` is set when one is reached. */
export const TERMINAL_STATUSES: readonly InterviewStatus[] = [
  'completed',
  'failed',
  'canceled',
  'no_answer',
  'busy',
  'voicemail',
  'consent_refused',
  'incomplete',
  'interrupted',
];

const tenantId = () => text('tenant_id').notNull().default('default');
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const candidates = pgTable(
  'candidates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** E.164, e.g. +14155550123. */
    phone: text('phone').notNull(),
    email: text('email'),
    /** IANA zone, e.g. America/New_York. */
    timezone: text('timezone'),
    createdAt: createdAt(),
  },
  (t) => [index('candidates_phone_idx').on(t.phone), index('candidates_tenant_idx').on(t.tenantId)],
);

export const roles = pgTable(
  'roles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    title: text('title').notNull(),
    level: text('level'),
    description: text('description'),
    createdAt: createdAt(),
  },
  (t) => [index('roles_tenant_idx').on(t.tenantId)],
);

export const interviews = pgTable(
  'interviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    candidateId: uuid('candidate_id')
      .notNull()
      .references(() => candidates.id),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    status: text('status').$type<InterviewStatus>().notNull().default('scheduled'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    hiringManagerEmail: text('hiring_manager_email'),
    focus: text('focus'),
    rubricId: text('rubric_id'),
    callSid: text('call_sid'),
    /** The interview stage the last call reached (opening, consent, experience, technical, …, close). */
    stageReached: text('stage_reached'),
    /** Last `seq` handed out in `events` for this interview; bumped by the same statement that inserts. */
    eventSeq: integer('event_seq').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('interviews_call_sid_uq').on(t.callSid).where(sql`${t.callSid} is not null`),
    index('interviews_candidate_idx').on(t.candidateId),
    index('interviews_tenant_created_idx').on(t.tenantId, t.createdAt),
    index('interviews_status_idx').on(t.status),
    check(
      'interviews_status_ck',
      sql.raw(`status in (${INTERVIEW_STATUSES.map((s) => `'${s}'`).join(', ')})`),
    ),
  ],
);

/** The event log: append-only, `seq` gap-free per interview (see repos/events.ts). */
export const events = pgTable(
  'events',
  {
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.interviewId, t.seq] }), index('events_type_idx').on(t.type)],
);

export const artifacts = pgTable(
  'artifacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id').references(() => interviews.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    contentType: text('content_type').notNull(),
    byteSize: integer('byte_size').notNull(),
    /** Relative to the artifacts root (`${dataDir}/artifacts`). */
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('artifacts_interview_idx').on(t.interviewId)],
);

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: tenantId(),
  label: text('label').notNull(),
  /** sha256 hex of the plain token; the plain token is never stored. */
  tokenHash: text('token_hash').notNull().unique('api_tokens_token_hash_uq'),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** Single-use media-stream tokens, bound to one interview and one CallSid. */
export const streamTokens = pgTable(
  'stream_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    callSid: text('call_sid').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('stream_tokens_interview_idx').on(t.interviewId)],
);
