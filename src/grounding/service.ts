/**
 * The grounding use case: ingest (parse off the event loop → normalise → chunk → flag → store → embed), hybrid
 * retrieval (Postgres full-text always, dense vectors when an embedder and a vector index are configured, fused
 * by reciprocal rank), the grounding summary, and erasure. Every query is scoped to one interview.
 */
import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { isUuid, rowsOf } from '../store/db.js';
import type { EventPayload, EventType } from '../store/events/index.js';
import type { Store } from '../store/store.js';
import { artifacts, candidates, events, interviews } from '../store/schema.js';
import { groundingChunks, groundingDocuments } from '../store/schema-grounding.js';
import { atsDeliveries } from '../store/schema-ats.js';
import type { Embedder } from '../providers/llm.js';
import type { LogSink } from '../lib/logger.js';
import { AppError, errorMessage, notFound } from '../lib/errors.js';
import { DocumentRefusedError, refuse } from './errors.js';
import { stripMarkers } from './spotlight.js';
import { sniffFormat } from './extract.js';
import type { DocumentParser } from './parser.js';
import { structure, structureText, type Structured } from './structure.js';
import { combineSummary, resumeExtract, roleExtract, type ResumeExtract, type RoleExtract } from './summary.js';
import type { VectorIndex } from './vectors/port.js';
import {
  DEFAULT_LIMITS,
  type DocumentFormat,
  type Grounding,
  type GroundingSource,
  type GroundingSummary,
  type ParseLimits,
  type Passage,
  type SearchOptions,
} from './types.js';

export type Upload = { bytes: Uint8Array; filename?: string; contentType?: string } | { text: string };

/** A parsed, chunked document not yet stored (creation validates both documents before creating anything). */
export interface PreparedDocument {
  source: GroundingSource;
  format: DocumentFormat;
  filename: string | null;
  contentType: string | null;
  bytes: Uint8Array | null;
  pageCount: number;
  structured: Structured;
  parseMs: number;
}

export interface IngestResult {
  documentId: string;
  source: GroundingSource;
  format: DocumentFormat;
  pageCount: number;
  chunks: number;
  flagged: number;
  embedded: boolean;
}

export interface GroundingServiceDeps {
  store: Pick<Store, 'db' | 'events' | 'artifacts' | 'kind'>;
  parser: DocumentParser;
  embedder?: Embedder;
  vectors?: VectorIndex;
  limits?: Partial<ParseLimits>;
  log: LogSink;
  /** Query-embedding budget before search falls back to full-text only. Default 2000 ms. */
  embedTimeoutMs?: number;
}

const RRF_K = 60;
const LEG_LIMIT = 20;

/** Artifacts of an interview that erasure removes besides the documents (docs/privacy.md). */
const ERASED_MEDIA_KINDS = new Set(['call_recording', 'screen_jpeg', 'board_png']);

export class GroundingService implements Grounding {
  readonly limits: ParseLimits;
  private readonly db: Db;

  constructor(private readonly deps: GroundingServiceDeps) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.db = deps.store.db;
  }

  get mode(): 'fts' | 'hybrid' {
    return this.deps.embedder && this.deps.vectors ? 'hybrid' : 'fts';
  }

  private async emit<T extends EventType>(interviewId: string, type: T, payload: EventPayload<T>): Promise<void> {
    try {
      await this.deps.store.events.append(interviewId, type, payload as Record<string, unknown>);
    } catch (err) {
      this.deps.log.error({ err, interviewId, eventType: type }, 'grounding event append failed');
    }
  }

  /** Parse and chunk (no database writes). Throws DocumentRefusedError with a message naming the problem. */
  async prepare(source: GroundingSource, upload: Upload): Promise<PreparedDocument> {
    const startedAt = performance.now();
    if ('text' in upload) {
      if (upload.text.length > this.limits.maxChars) {
        throw refuse('too_much_text', `the text holds ${upload.text.length} characters; the limit is ${this.limits.maxChars}`);
      }
      const structured = structureText(upload.text, source);
      if (!structured.text.trim()) throw refuse('empty', 'the document has no text');
      return { source, format: 'inline', filename: null, contentType: null, bytes: null, pageCount: 1, structured, parseMs: performance.now() - startedAt };
    }
    if (upload.bytes.length > this.limits.maxBytes) {
      throw refuse('too_large', `the file is ${(upload.bytes.length / 1048576).toFixed(1)} MB; the limit is ${this.limits.maxBytes / 1048576} MB`);
    }
    const format = sniffFormat(upload.bytes, upload.filename, upload.contentType);
    const extracted = await this.deps.parser.parse(upload.bytes, format, this.limits);
    const structured = structure(extracted, source);
    if (!structured.chunks.some((c) => !c.flagged)) throw refuse('empty', 'the document has no readable text');
    return {
      source,
      format,
      filename: upload.filename ?? null,
      contentType: upload.contentType ?? null,
      bytes: upload.bytes,
      pageCount: extracted.pageCount,
      structured,
      parseMs: performance.now() - startedAt,
    };
  }

  /** Replace-or-insert the interview's document of this source; previous chunks, vectors and file go. */
  async store(interviewId: string, doc: PreparedDocument, signal?: AbortSignal): Promise<IngestResult> {
    const [iv] = await this.db
      .select({ id: interviews.id, tenantId: interviews.tenantId, candidateId: interviews.candidateId })
      .from(interviews)
      .where(eq(interviews.id, interviewId));
    if (!iv) throw notFound('interview', interviewId);
    const documentId = randomUUID();
    const short = documentId.replace(/-/g, '').slice(0, 4);
    const artifact = doc.bytes
      ? await this.deps.store.artifacts.put({ interviewId, kind: doc.source === 'resume' ? 'resume_document' : 'job_description_document', contentType: doc.contentType ?? 'application/octet-stream', bytes: doc.bytes })
      : null;
    const rows = doc.structured.chunks.map((c) => ({
      id: randomUUID(),
      tenantId: iv.tenantId,
      documentId,
      interviewId,
      source: doc.source,
      citationId: `${doc.source}-${short}-${String(c.ordinal).padStart(2, '0')}`,
      ordinal: c.ordinal,
      section: c.section,
      kind: c.kind,
      heading: c.heading,
      page: c.page,
      spanStart: c.spanStart,
      spanEnd: c.spanEnd,
      text: c.text,
      flagged: c.flagged,
      flagReasons: c.flagReasons,
    }));
    const summaryChunks = rows.map((r) => ({ citationId: r.citationId, section: r.section, kind: r.kind, heading: r.heading, text: r.text, flagged: r.flagged }));
    const docExtract: ResumeExtract | RoleExtract =
      doc.source === 'resume' ? resumeExtract(summaryChunks, doc.structured.text) : roleExtract(summaryChunks);

    const previous = await this.db.transaction(async (tx) => {
      const old = await tx
        .select({ id: groundingDocuments.id, artifactId: groundingDocuments.artifactId })
        .from(groundingDocuments)
        .where(and(eq(groundingDocuments.interviewId, interviewId), eq(groundingDocuments.source, doc.source)));
      const oldChunks = old.length
        ? await tx.select({ id: groundingChunks.id }).from(groundingChunks).where(inArray(groundingChunks.documentId, old.map((o) => o.id)))
        : [];
      if (old.length) await tx.delete(groundingDocuments).where(inArray(groundingDocuments.id, old.map((o) => o.id)));
      await tx.insert(groundingDocuments).values({
        id: documentId,
        tenantId: iv.tenantId,
        interviewId,
        candidateId: iv.candidateId,
        source: doc.source,
        format: doc.format,
        filename: doc.filename,
        contentType: doc.contentType,
        byteSize: doc.bytes?.length ?? Buffer.byteLength(doc.structured.text),
        sha256: doc.bytes ? createHash('sha256').update(doc.bytes).digest('hex') : null,
        artifactId: artifact?.id ?? null,
        pageCount: doc.pageCount,
        text: doc.structured.text,
        extract: docExtract as unknown as Record<string, unknown>,
        stats: { ...doc.structured.stats, parseMs: Math.round(doc.parseMs) },
      });
      for (let i = 0; i < rows.length; i += 200) await tx.insert(groundingChunks).values(rows.slice(i, i + 200));
      return { artifacts: old.map((o) => o.artifactId).filter((a): a is string => a !== null), chunkIds: oldChunks.map((c) => c.id) };
    });
    await this.removeArtifacts(previous.artifacts);
    if (this.deps.vectors && previous.chunkIds.length) {
      await this.deps.vectors.deleteChunks(interviewId, previous.chunkIds).catch((err: unknown) => this.deps.log.warn({ err, interviewId }, 'grounding: old vectors not deleted'));
    }

    // Dense vectors: best effort; full-text retrieval works without them.
    let embedded = false;
    const { embedder, vectors } = this.deps;
    const retrievable = rows.filter((r) => !r.flagged);
    if (embedder && vectors && retrievable.length) {
      try {
        const vecs = await embedder.embed(retrievable.map((r) => embedText(r.section, r.heading, r.text)), signal);
        await vectors.upsert(
          interviewId,
          retrievable.map((r, i) => ({ chunkId: r.id, citationId: r.citationId, source: r.source, page: r.page, span: [r.spanStart, r.spanEnd], vector: vecs[i] })),
          signal,
        );
        embedded = true;
      } catch (err) {
        this.deps.log.warn({ err: errorMessage(err), interviewId }, 'grounding: embedding failed; this document is searchable by full text only');
      }
    }

    const flagged = rows.filter((r) => r.flagged);
    await this.emit(interviewId, 'grounding.ingested', {
      documentId,
      source: doc.source,
      format: doc.format,
      filename: doc.filename,
      pageCount: doc.pageCount,
      chunks: rows.length,
      flagged: flagged.length,
      embedded,
      parseMs: Math.round(doc.parseMs),
      stats: doc.structured.stats as unknown as Record<string, unknown>,
    });
    for (const f of flagged) {
      await this.emit(interviewId, 'grounding.injection_flagged', {
        documentId,
        source: doc.source,
        citationId: f.citationId,
        kind: f.kind,
        page: f.page,
        reasons: f.flagReasons,
        passage: f.text.slice(0, 500),
      });
    }
    return { documentId, source: doc.source, format: doc.format, pageCount: doc.pageCount, chunks: rows.length, flagged: flagged.length, embedded };
  }

  /** Replace a document; a refusal is recorded on the interview and rethrown (the previous document stays). */
  async ingest(interviewId: string, source: GroundingSource, upload: Upload): Promise<IngestResult> {
    let doc: PreparedDocument;
    try {
      doc = await this.prepare(source, upload);
    } catch (err) {
      if (err instanceof DocumentRefusedError) {
        await this.emit(interviewId, 'grounding.document_refused', {
          source,
          reason: err.reason,
          message: err.message,
          ...(err.page !== undefined ? { page: err.page } : {}),
          filename: 'text' in upload ? null : (upload.filename ?? null),
        });
      }
      throw err;
    }
    return this.store(interviewId, doc);
  }

  async search(interviewId: string, query: string, opts: SearchOptions = {}): Promise<Passage[]> {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 3), 1), 10);
    const q = query.slice(0, 2000);
    if (!isUuid(interviewId) || !q.trim()) return [];
    const source = opts.source;
    const { embedder, vectors } = this.deps;
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.deps.embedTimeoutMs ?? 2000)])
      : AbortSignal.timeout(this.deps.embedTimeoutMs ?? 2000);
    // The query's embedding is fetched while the full-text leg runs.
    const embedding = embedder && vectors ? embedder.embed([q], signal).then((v) => ({ ok: true as const, v: v[0] }), (err: unknown) => ({ ok: false as const, err })) : null;
    const fts = await this.ftsLeg(interviewId, q, source);
    let dense: { id: string }[] = [];
    let mode: 'fts' | 'hybrid' = 'fts';
    if (embedding && vectors) {
      try {
        const e = await embedding;
        if (!e.ok) throw e.err;
        const vec = e.v;
        const hits = await vectors.query(interviewId, vec, { source, limit: LEG_LIMIT, signal });
        dense = hits.map((h) => ({ id: h.chunkId }));
        mode = 'hybrid';
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        this.deps.log.warn({ err: errorMessage(err), interviewId }, 'grounding: dense leg failed; full-text only');
      }
    }
    const fused = new Map<string, number>();
    fts.forEach((r, i) => fused.set(r.id, (fused.get(r.id) ?? 0) + 1 / (RRF_K + i + 1)));
    dense.forEach((r, i) => fused.set(r.id, (fused.get(r.id) ?? 0) + 1 / (RRF_K + i + 1)));
    const top = [...fused.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
    const byId = new Map(fts.map((r) => [r.id, r]));
    const missing = top.map(([id]) => id).filter((id) => !byId.has(id));
    if (missing.length) for (const r of await this.chunksById(interviewId, missing, source)) byId.set(r.id, r);
    const passages: Passage[] = [];
    for (const [id, score] of top) {
      const r = byId.get(id);
      // A vector index answering with another interview's (or a flagged) chunk is dropped here.
      if (!r) continue;
      passages.push({ citationId: r.citationId, source: r.source, section: r.section, page: r.page, span: [r.spanStart, r.spanEnd], text: r.text, score: Math.round(score * 1e6) / 1e6 });
    }
    if ((opts.origin ?? 'model') !== 'api') {
      await this.emit(interviewId, 'grounding.search', {
        query: q.slice(0, 500),
        source: source ?? null,
        origin: opts.origin ?? 'model',
        mode,
        passages: passages.map((p) => ({ ...p, text: p.text.slice(0, 240) })),
      });
    }
    return passages;
  }

  private async ftsLeg(interviewId: string, query: string, source?: GroundingSource): Promise<ChunkRow[]> {
    // plainto_tsquery ANDs every word, so a long model query would match nothing: its lexemes are ORed instead
    // and ts_rank orders by how many (and how often) they occur.
    const res = await this.db.execute(sql`
      WITH q AS (SELECT replace(plainto_tsquery('english', ${query})::text, ' & ', ' | ')::tsquery AS tq)
      SELECT c.id, c.citation_id, c.source, c.section, c.page, c.span_start, c.span_end, c.text
      FROM grounding_chunks c, q
      WHERE c.interview_id = ${interviewId}::uuid AND NOT c.flagged
        ${source ? sql`AND c.source = ${source}` : sql``}
        AND c.tsv @@ q.tq
      ORDER BY ts_rank(c.tsv, q.tq, 1) DESC, c.source, c.ordinal
      LIMIT ${LEG_LIMIT}`);
    return rowsOf<RawChunk>(res).map(toChunkRow);
  }

  private async chunksById(interviewId: string, ids: string[], source?: GroundingSource): Promise<ChunkRow[]> {
    const rows = await this.db
      .select()
      .from(groundingChunks)
      .where(
        and(
          eq(groundingChunks.interviewId, interviewId),
          inArray(groundingChunks.id, ids),
          eq(groundingChunks.flagged, false),
          source ? eq(groundingChunks.source, source) : undefined,
        ),
      );
    return rows.map((r) => ({ id: r.id, citationId: r.citationId, source: r.source, section: r.section, page: r.page, spanStart: r.spanStart, spanEnd: r.spanEnd, text: r.text }));
  }

  async summary(interviewId: string): Promise<GroundingSummary | null> {
    if (!isUuid(interviewId)) return null;
    const docs = await this.db
      .select({ source: groundingDocuments.source, extract: groundingDocuments.extract, text: groundingDocuments.text })
      .from(groundingDocuments)
      .where(eq(groundingDocuments.interviewId, interviewId));
    const resume = docs.find((d) => d.source === 'resume');
    const role = docs.find((d) => d.source === 'role');
    return combineSummary(
      resume ? { extract: resume.extract as unknown as ResumeExtract, text: resume.text } : null,
      role ? (role.extract as unknown as RoleExtract) : null,
    );
  }

  /** The interview's documents (no text), for the API. */
  async documents(interviewId: string) {
    return this.db
      .select({
        id: groundingDocuments.id,
        source: groundingDocuments.source,
        format: groundingDocuments.format,
        filename: groundingDocuments.filename,
        pageCount: groundingDocuments.pageCount,
        byteSize: groundingDocuments.byteSize,
        createdAt: groundingDocuments.createdAt,
      })
      .from(groundingDocuments)
      .where(eq(groundingDocuments.interviewId, interviewId));
  }

  /**
   * Erasure: every document file, call recording, chunk and vector of the candidate's interviews, document excerpts in their event
   * logs, and the candidate's contact details. Refused (409) while one of the interviews is on a call.
   */
  async eraseCandidate(candidateId: string, tenantId: string): Promise<{ interviews: number; documents: number; chunks: number; eventsRedacted: number }> {
    if (!isUuid(candidateId)) throw notFound('candidate', candidateId);
    const [cand] = await this.db.select({ id: candidates.id }).from(candidates).where(and(eq(candidates.id, candidateId), eq(candidates.tenantId, tenantId)));
    if (!cand) throw notFound('candidate', candidateId);
    const ivs = await this.db.select({ id: interviews.id, status: interviews.status }).from(interviews).where(eq(interviews.candidateId, candidateId));
    if (ivs.some((i) => i.status === 'calling' || i.status === 'in_progress')) {
      throw new AppError(409, 'call_in_progress', 'the candidate has an interview on a call; erase after it ends');
    }
    const ids = ivs.map((i) => i.id);
    const docs = await this.db.select({ id: groundingDocuments.id, artifactId: groundingDocuments.artifactId }).from(groundingDocuments).where(eq(groundingDocuments.candidateId, candidateId));
    const chunks = ids.length ? await this.db.select({ text: groundingChunks.text }).from(groundingChunks).where(inArray(groundingChunks.interviewId, ids)) : [];
    for (const id of ids) if (this.deps.vectors) await this.deps.vectors.deleteInterview(id);
    // Every stored file of these interviews (documents, and any other artifact holding them).
    const files = ids.length ? await this.db.select({ id: artifacts.id, path: artifacts.path, kind: artifacts.kind }).from(artifacts).where(inArray(artifacts.interviewId, ids)) : [];
    const docArtifacts = new Set(docs.map((d) => d.artifactId).filter((a): a is string => a !== null));
    // The call recordings hold the candidate's voice, screen frames and board snapshots what they showed: they go too.
    for (const f of files) if (ERASED_MEDIA_KINDS.has(f.kind)) docArtifacts.add(f.id);
    let eventsRedacted = 0;
    await this.db.transaction(async (tx) => {
      if (docs.length) await tx.delete(groundingDocuments).where(inArray(groundingDocuments.id, docs.map((d) => d.id)));
      // Document excerpts held in the logs: grounding payloads' passages, and any string quoting a chunk.
      const quotes = chunks.map((c) => c.text).filter((t) => t.length >= 16);
      const logged = ids.length ? await tx.select().from(events).where(inArray(events.interviewId, ids)) : [];
      for (const e of logged) {
        const redacted = redact(e.payload, quotes, e.type.startsWith('grounding.'));
        if (redacted.changed) {
          eventsRedacted++;
          await tx.update(events).set({ payload: redacted.value as Record<string, unknown> }).where(and(eq(events.interviewId, e.interviewId), eq(events.seq, e.seq)));
        }
      }
      await tx.update(candidates).set({ name: '(erased)', phone: '', email: null, timezone: null }).where(eq(candidates.id, candidateId));
      // ATS deliveries that created or updated these interviews hold the candidate's name, phone and resume URL.
      if (ids.length) await tx.update(atsDeliveries).set({ payload: { erased: true } }).where(inArray(atsDeliveries.interviewId, ids));
      if (docArtifacts.size) await tx.delete(artifacts).where(inArray(artifacts.id, [...docArtifacts]));
    });
    await this.removeArtifacts([], files.filter((f) => docArtifacts.has(f.id)).map((f) => f.path));
    for (const id of ids) {
      await this.emit(id, 'grounding.erased', { candidateId, documents: docs.length, chunks: chunks.length, eventsRedacted, vectors: this.deps.vectors?.name ?? 'none' });
    }
    return { interviews: ids.length, documents: docs.length, chunks: chunks.length, eventsRedacted };
  }

  private async removeArtifacts(ids: string[], paths: string[] = []): Promise<void> {
    const all = [...paths];
    if (ids.length) {
      const rows = await this.db.select({ path: artifacts.path }).from(artifacts).where(inArray(artifacts.id, ids));
      all.push(...rows.map((r) => r.path));
      await this.db.delete(artifacts).where(inArray(artifacts.id, ids));
    }
    for (const p of all) await rm(join(this.deps.store.artifacts.root, p), { force: true });
  }
}

type RawChunk = { id: string; citation_id: string; source: GroundingSource; section: string | null; page: number | null; span_start: number; span_end: number; text: string };
interface ChunkRow {
  id: string;
  citationId: string;
  source: GroundingSource;
  section: string | null;
  page: number | null;
  spanStart: number;
  spanEnd: number;
  text: string;
}
const toChunkRow = (r: RawChunk): ChunkRow => ({
  id: r.id,
  citationId: r.citation_id,
  source: r.source,
  section: r.section,
  page: r.page === null ? null : Number(r.page),
  spanStart: Number(r.span_start),
  spanEnd: Number(r.span_end),
  text: r.text,
});

export function embedText(section: string | null, heading: string | null, text: string): string {
  return [section, heading, text].filter(Boolean).join(': ');
}

const ERASED = '[erased]';
const EXCERPT_KEYS = new Set(['text', 'passage', 'query', 'claim', 'filename']);

/** Replaces document excerpts in an event payload. */
export function redact(value: unknown, quotes: string[], groundingEvent: boolean, key?: string): { value: unknown; changed: boolean } {
  if (typeof value === 'string') {
    if (groundingEvent && key && EXCERPT_KEYS.has(key) && value !== ERASED) return { value: ERASED, changed: true };
    // Tool results quote passages datamarked (spaces → ^): compare the unmarked text.
    const plain = value.includes('^') ? stripMarkers(value) : value;
    if (quotes.some((q) => plain.includes(q) || (plain.length >= 24 && q.includes(plain)))) return { value: ERASED, changed: true };
    return { value, changed: false };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redact(v, quotes, groundingEvent, key);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = redact(v, quotes, groundingEvent, k);
      changed ||= r.changed;
      out[k] = r.value;
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}
