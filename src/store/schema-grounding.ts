/**
 * Grounding tables: the documents an interview is grounded in (the candidate's resume, the role's job description)
 * and their chunks, each with its page, character span and a generated full-text vector.
 *
 * Dense vectors are NOT here: they live in `grounding_vectors`, which the pgvector adapter creates at start only
 * when the `vector` extension is available (src/grounding/vectors/pgvector.ts). That keeps these migrations
 * runnable on a plain PostgreSQL without pgvector (full-text retrieval still works) — see docs/grounding.md.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { candidates, interviews } from './schema.js';

/** Drizzle has no tsvector column type. */
const tsvector = customType<{ data: string }>({
  dataType() {
    return 'tsvector';
  },
});

export const GROUNDING_SOURCES = ['resume', 'role'] as const;
export type GroundingSource = (typeof GROUNDING_SOURCES)[number];

export const groundingDocuments = pgTable(
  'grounding_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull().default('default'),
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    candidateId: uuid('candidate_id')
      .notNull()
      .references(() => candidates.id, { onDelete: 'cascade' }),
    /** 'resume' (the candidate's) or 'role' (the job description). One active document per source and interview. */
    source: text('source').$type<GroundingSource>().notNull(),
    /** 'pdf' | 'docx' | 'text' | 'inline' (role.description given as JSON). */
    format: text('format').notNull(),
    filename: text('filename'),
    contentType: text('content_type'),
    byteSize: integer('byte_size').notNull().default(0),
    sha256: text('sha256'),
    /** The uploaded bytes, kept as an artifact (deleted on replacement and erasure). */
    artifactId: uuid('artifact_id'),
    pageCount: integer('page_count').notNull().default(1),
    /** The normalised text every chunk span points into. */
    text: text('text').notNull(),
    /** What the parser extracted from the structure (skills, projects, requirements); see src/grounding/summary.ts. */
    extract: jsonb('extract').$type<Record<string, unknown>>().notNull().default({}),
    /** Normalisation and parse statistics (invisible characters removed, ligatures, de-hyphenations, parse ms, …). */
    stats: jsonb('stats').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('grounding_documents_interview_source_uq').on(t.interviewId, t.source),
    index('grounding_documents_candidate_idx').on(t.candidateId),
  ],
);

export const groundingChunks = pgTable(
  'grounding_chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull().default('default'),
    documentId: uuid('document_id')
      .notNull()
      .references(() => groundingDocuments.id, { onDelete: 'cascade' }),
    /** Denormalised so every retrieval query is scoped by interview with one index. */
    interviewId: uuid('interview_id')
      .notNull()
      .references(() => interviews.id, { onDelete: 'cascade' }),
    source: text('source').$type<GroundingSource>().notNull(),
    /** Stable, human-checkable id quoted in tool results and speech events, e.g. `resume-3fa2-04`. */
    citationId: text('citation_id').notNull(),
    ordinal: integer('ordinal').notNull(),
    /** Normalised section name: experience, projects, skills, education, summary, requirements, … */
    section: text('section'),
    /** 'section' | 'role' | 'must_have' | 'nice_to_have' | 'item' | 'paragraph' | 'metadata' | 'form_field' */
    kind: text('kind').notNull(),
    /** For an Experience role: "Employer — Title (dates)". */
    heading: text('heading'),
    /** 1-based page, null for plain text. */
    page: integer('page'),
    spanStart: integer('span_start').notNull(),
    spanEnd: integer('span_end').notNull(),
    text: text('text').notNull(),
    tsv: tsvector('tsv')
      .notNull()
      .generatedAlwaysAs(
        sql`to_tsvector('english'::regconfig, coalesce("heading", '') || ' ' || coalesce("section", '') || ' ' || "text")`,
      ),
    /** Injection-like or hidden text: kept for the record, never retrieved. */
    flagged: boolean('flagged').notNull().default(false),
    flagReasons: jsonb('flag_reasons').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('grounding_chunks_interview_citation_uq').on(t.interviewId, t.citationId),
    index('grounding_chunks_interview_source_idx').on(t.interviewId, t.source),
    index('grounding_chunks_document_idx').on(t.documentId),
    index('grounding_chunks_tsv_idx').using('gin', t.tsv),
  ],
);
