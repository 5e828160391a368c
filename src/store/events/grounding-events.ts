/** Event types written by the grounding capability. Add an entry here (and to docs/events.md) for each new event. */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const Source = Type.Union([Type.Literal('resume'), Type.Literal('role')]);
const Span = Type.Tuple([Type.Integer(), Type.Integer()]);

export const groundingEvents = {
  'grounding.ingested': event('A resume or job description was parsed, chunked and indexed for this interview (it replaces any previous one of the same source).', {
    documentId: Type.String(),
    source: Source,
    format: Type.String(),
    filename: Type.Union([Type.String(), Type.Null()]),
    pageCount: Type.Integer(),
    chunks: Type.Integer(),
    flagged: Type.Integer(),
    embedded: Type.Boolean(),
    parseMs: Type.Number(),
    stats: Type.Record(Type.String(), Type.Unknown()),
  }),
  'grounding.document_refused': event('An uploaded document was refused (password-protected, corrupt, truncated, scanned, too large, …); the interview keeps its previous documents.', {
    source: Source,
    reason: Type.String(),
    message: Type.String(),
    page: Type.Optional(Type.Integer()),
    filename: Type.Union([Type.String(), Type.Null()]),
  }),
  'grounding.injection_flagged': event('A passage that reads as instructions to a model, or text hidden from a reader (white, tiny, off-page, metadata, form field), was found at ingest; it is excluded from retrieval.', {
    documentId: Type.String(),
    source: Source,
    citationId: Type.String(),
    kind: Type.String(),
    page: Type.Union([Type.Integer(), Type.Null()]),
    reasons: Type.Array(Type.String()),
    passage: Type.String(),
  }),
  'grounding.search': event('The interviewer (model tool or plan) searched the resume or the job description; the passages and scores it got back.', {
    query: Type.String(),
    source: Type.Union([Source, Type.Null()]),
    origin: Type.String(),
    mode: Type.Union([Type.Literal('fts'), Type.Literal('hybrid')]),
    passages: Type.Array(
      Type.Object({
        citationId: Type.String(),
        source: Source,
        section: Type.Union([Type.String(), Type.Null()]),
        page: Type.Union([Type.Integer(), Type.Null()]),
        span: Span,
        score: Type.Number(),
        text: Type.String(),
      }),
    ),
  }),
  'grounding.erased': event("The candidate's documents, chunks, vectors and the document excerpts in this log were erased (DELETE /api/candidates/:id).", {
    candidateId: Type.String(),
    documents: Type.Integer(),
    chunks: Type.Integer(),
    eventsRedacted: Type.Integer(),
    vectors: Type.String(),
  }),
} as const;
