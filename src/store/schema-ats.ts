/**
 * Organisations (tenants) and the ATS tables: each delivery received (unique per organisation, vendor and the
 * vendor's event id, so a redelivery is recognised), the link from a vendor application to our interview (so the
 * same application never makes two interviews), and the write-back outbox (one row per report and vendor, claimed
 * once, so the result reaches the ATS once however often the job runs).
 */
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { interviews } from './schema.js';

/** Per-organisation settings (docs/ats.md). Secrets inside `connections` are sealed (AES-256-GCM), never plain. */
export interface OrganisationSettings {
  /** Calling window in the candidate's local time, "HH:MM-HH:MM" (read by src/scheduling/org-window.ts; clamped to 08:00–21:00). */
  callWindow?: string;
  /** Calling days, e.g. "mon-fri" or "mon,wed,fri". */
  callDays?: string;
  /** The ATS stage name that triggers a screening call (default ATS_TRIGGER_STAGE). */
  triggerStage?: string;
  /** ATS connections by vendor. */
  connections?: Partial<Record<'greenhouse' | 'lever' | 'ashby' | 'generic', AtsConnectionSettings>>;
}

export interface AtsConnectionSettings {
  /** Sealed webhook secret (Greenhouse secret key, Lever signature token, Ashby secret, our generic hook secret). */
  webhookSecret?: string;
  /** Sealed API key for write-back (Greenhouse Harvest, Lever, Ashby). */
  apiKey?: string;
  /** Greenhouse `On-Behalf-Of` user id; Lever `perform_as` user id. */
  actorId?: string;
  /** API base override (a regional host, or a local endpoint in tests). */
  apiBaseUrl?: string;
}

export const organisations = pgTable('organisations', {
  /** A slug: lower-case letters, digits and dashes (`default` is the single-organisation deployment). */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<OrganisationSettings>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const ATS_VENDORS = ['greenhouse', 'lever', 'ashby', 'generic'] as const;
export type AtsVendor = (typeof ATS_VENDORS)[number];

/** One row per accepted delivery. */
export const atsDeliveries = pgTable(
  'ats_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    vendor: text('vendor').$type<AtsVendor>().notNull(),
    eventId: text('event_id').notNull(),
    /** The vendor's event name (candidate_stage_change, candidateStageChange, …). */
    action: text('action').notNull(),
    /** received → processed | ignored | failed. */
    status: text('status').notNull().default('received'),
    /** The normalised delivery the job works on (no secrets; erased with the candidate). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    interviewId: uuid('interview_id').references(() => interviews.id, { onDelete: 'set null' }),
    detail: text('detail'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('ats_deliveries_event_uq').on(t.tenantId, t.vendor, t.eventId), index('ats_deliveries_interview_idx').on(t.interviewId)],
);

/** Vendor application → our interview: the idempotency key of "create or update". */
export const atsApplications = pgTable(
  'ats_applications',
  {
    tenantId: text('tenant_id').notNull(),
    vendor: text('vendor').$type<AtsVendor>().notNull(),
    applicationId: text('application_id').notNull(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    candidateExternalId: text('candidate_external_id'),
    /** Where results go for the generic hook (given in its payload). */
    callbackUrl: text('callback_url'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.vendor, t.applicationId] }), uniqueIndex('ats_applications_interview_uq').on(t.interviewId)],
);

export const WRITEBACK_STATUSES = ['pending', 'claimed', 'sent', 'failed'] as const;
export type WritebackStatus = (typeof WRITEBACK_STATUSES)[number];

/** The write-back outbox: one row per report; claimed with a lease; `sent` once. */
export const atsWritebacks = pgTable(
  'ats_writebacks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    reportId: text('report_id').notNull(),
    vendor: text('vendor').$type<AtsVendor>().notNull(),
    status: text('status').$type<WritebackStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    claimedBy: text('claimed_by'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** The vendor's id of what we wrote (note id, activity id), when it says. */
    remoteId: text('remote_id'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('ats_writebacks_report_uq').on(t.reportId, t.vendor)],
);
