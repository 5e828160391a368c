/** Recruiter API: create an interview, read it back, read its event log. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreateInterviewBody, ErrorSchema, EventsQuery, EventsResponse, InterviewParams, InterviewSchema } from './schemas.js';
import { notFound } from '../../lib/errors.js';
import type { InterviewView } from '../../store/index.js';
import { prepareCreateDocuments, readMultipart, registerUploads, storeCreateDocuments } from './grounding-uploads.js';
import { planOnCreate } from './scheduling.js';

export function presentInterview(view: InterviewView) {
  return {
    ...view,
    links: { self: `/api/interviews/${view.id}`, events: `/api/interviews/${view.id}/events` },
  };
}

const interviewsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);
  // multipart/form-data: a JSON part `interview` and file parts `resume`, `jobDescription` (docs/grounding.md).
  await registerUploads(app);

  const IngestedSchema = Type.Object(
    { documentId: Type.String(), source: Type.String(), format: Type.String(), pageCount: Type.Integer(), chunks: Type.Integer(), flagged: Type.Integer(), embedded: Type.Boolean() },
    { additionalProperties: true },
  );
  const ScheduleOutcome = Type.Object(
    { at: Type.Optional(Type.String()), jobId: Type.Optional(Type.String()), decision: Type.String(), error: Type.Optional(Type.String()) },
    { additionalProperties: true, description: 'The call plan when `schedule` or `scheduledAt` was given; `error` when no call could be planned (opted out, …)' },
  );
  const CreatedSchema = Type.Intersect([InterviewSchema, Type.Object({ documents: Type.Array(IngestedSchema), schedule: Type.Optional(ScheduleOutcome) })]);

  app.post('/interviews', {
    schema: {
      summary: 'Create an interview (JSON, or multipart with resume / jobDescription files)',
      body: CreateInterviewBody,
      response: { 201: CreatedSchema, 413: ErrorSchema, 415: ErrorSchema, 422: ErrorSchema },
    },
    preValidation: readMultipart(app, 'interview') }, async (request, reply) => {
    const body = request.body;
    // Documents are parsed first: a refused one (422) creates nothing.
    const documents = await prepareCreateDocuments(app, request, body.role.description);
    const view = await app.store.interviews.create({
      tenantId: request.tenantId,
      candidate: body.candidate,
      role: body.role,
      hiringManagerEmail: body.hiringManagerEmail,
      focus: body.focus,
      rubricId: body.rubricId,
    });
    await app.store.events.append(view.id, 'interview.created', {
      source: 'api',
      requestId: request.id,
      roleTitle: view.role.title,
    });
    const grounding = await storeCreateDocuments(app, view.id, documents);
    request.log.info({ interviewId: view.id }, 'interview created');
    const schedule = body.schedule || body.scheduledAt ? await planOnCreate(app, view, body.scheduledAt) : undefined;
    const current = schedule ? ((await app.store.interviews.get(view.id)) ?? view) : view;
    return reply.status(201).header('location', `/api/interviews/${view.id}`).send({ ...presentInterview(current), documents: grounding, ...(schedule ? { schedule } : {}) });
  });

  app.get('/interviews/:id', { schema: { summary: 'Read an interview', params: InterviewParams, response: { 200: InterviewSchema } } }, async (request) => {
    const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
    if (!view) throw notFound('interview', request.params.id);
    return presentInterview(view);
  });

  app.get('/interviews/:id/events', { schema: { summary: "Read the interview's event log", params: InterviewParams, querystring: EventsQuery, response: { 200: EventsResponse } } }, async (request) => {
    const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
    if (!view) throw notFound('interview', request.params.id);
    const events = await app.store.events.list(view.id, {
      afterSeq: request.query.afterSeq,
      limit: request.query.limit,
      types: request.query.types?.split(','),
    });
    return { interviewId: view.id, events };
  });
};

export default interviewsRoutes;
