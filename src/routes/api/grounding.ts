/**
 * Recruiter API for grounding: replace an interview's resume or job description, read its documents and
 * grounding summary, search its passages (the same ones the interviewer's tools get), and erase a candidate.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../../lib/errors.js';
import type { GroundingSource, Upload } from '../../grounding/index.js';
import { isMultipart, readMultipart, registerUploads } from './grounding-uploads.js';
import { ErrorSchema } from './schemas.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Source = Type.Union([Type.Literal('resume'), Type.Literal('role')]);
const PassageSchema = Type.Object({
  citationId: Type.String(),
  source: Source,
  section: Type.Union([Type.String(), Type.Null()]),
  page: Type.Union([Type.Integer(), Type.Null()]),
  span: Type.Tuple([Type.Integer(), Type.Integer()]),
  text: Type.String(),
  score: Type.Number(),
});
const IngestSchema = Type.Object({
  documentId: Type.String(),
  source: Source,
  format: Type.String(),
  pageCount: Type.Integer(),
  chunks: Type.Integer(),
  flagged: Type.Integer(),
  embedded: Type.Boolean(),
});
const Cited = Type.Object({ text: Type.String(), citationId: Type.String() });
const SummarySchema = Type.Union([
  Type.Object({
    skills: Type.Array(Type.String()),
    projects: Type.Array(Type.Object({ title: Type.String(), claim: Type.String(), metrics: Type.Array(Type.String()), citationId: Type.String() })),
    mustHaves: Type.Array(Cited),
    niceToHaves: Type.Array(Cited),
    gaps: Type.Array(Type.String()),
  }),
  Type.Null(),
]);

function uploadFrom(request: FastifyRequest, field: string): Upload {
  if (isMultipart(request)) {
    const u = request.uploads?.get(field) ?? request.uploads?.get('file') ?? [...(request.uploads?.values() ?? [])][0];
    if (!u) throw badRequest(`multipart body needs a file part named "${field}"`, { field });
    return u;
  }
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw badRequest('send the document as multipart/form-data or as the raw body (application/pdf, DOCX, text/plain)');
  }
  const disposition = request.headers['content-disposition'] ?? '';
  const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? (request.query as { filename?: string } | undefined)?.filename;
  return { bytes: body, filename, contentType: request.headers['content-type'] };
}

const groundingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);
  await registerUploads(app, { raw: true });

  const requireInterview = async (id: string, tenantId: string) => {
    const view = await app.store.interviews.get(id, { tenantId });
    if (!view) throw notFound('interview', id);
    return view;
  };

  for (const [path, source, field] of [
    ['/interviews/:id/resume', 'resume', 'resume'],
    ['/interviews/:id/job-description', 'role', 'jobDescription'],
  ] as [string, GroundingSource, string][]) {
    app.put(
      path,
      {
        schema: { params: Params, response: { 200: IngestSchema, 400: ErrorSchema, 404: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 422: ErrorSchema } },
        preValidation: readMultipart(app),
      },
      async (request) => {
        const view = await requireInterview(request.params.id, request.tenantId);
        const result = await app.grounding.ingest(view.id, source, uploadFrom(request, field));
        request.log.info({ interviewId: view.id, source, chunks: result.chunks, flagged: result.flagged }, 'grounding document replaced');
        return result;
      },
    );
  }

  app.get(
    '/interviews/:id/grounding',
    {
      schema: {
        params: Params,
        response: {
          200: Type.Object({
            documents: Type.Array(Type.Object({ id: Type.String(), source: Source, format: Type.String(), filename: Type.Union([Type.String(), Type.Null()]), pageCount: Type.Integer(), byteSize: Type.Integer(), createdAt: Type.Unsafe<Date>({ type: 'string', format: 'date-time' }) })),
            summary: SummarySchema,
          }),
        },
      },
    },
    async (request) => {
      const view = await requireInterview(request.params.id, request.tenantId);
      return { documents: await app.grounding.documents(view.id), summary: await app.grounding.summary(view.id) };
    },
  );

  app.get(
    '/interviews/:id/search',
    {
      schema: {
        params: Params,
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: 2000 }),
          source: Type.Optional(Source),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
        }),
        response: { 200: Type.Object({ results: Type.Array(PassageSchema) }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const view = await requireInterview(request.params.id, request.tenantId);
      const results = await app.grounding.search(view.id, request.query.q, { source: request.query.source, limit: request.query.limit ?? 5, origin: 'api' });
      return { results };
    },
  );

  app.delete(
    '/candidates/:id',
    {
      schema: {
        params: Params,
        response: {
          200: Type.Object({ candidateId: Type.String(), erased: Type.Literal(true), interviews: Type.Integer(), documents: Type.Integer(), chunks: Type.Integer(), eventsRedacted: Type.Integer() }),
          404: ErrorSchema,
          409: ErrorSchema,
        },
      },
    },
    async (request) => {
      const r = await app.grounding.eraseCandidate(request.params.id, request.tenantId);
      request.log.info({ candidateId: request.params.id, ...r }, 'candidate erased');
      return { candidateId: request.params.id, erased: true as const, ...r };
    },
  );
};

export default groundingRoutes;
