/** Recruiter API: create an interview, read it back, read its event log. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreateInterviewBody, EventsQuery, InterviewParams } from './schemas.js';
import { notFound } from '../../lib/errors.js';
import type { InterviewView } from '../../store/index.js';
import { prepareCreateDocuments, readMultipart, registerUploads, storeCreateDocuments } from './grounding-uploads.js';

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

  app.post('/interviews', { schema: { body: CreateInterviewBody }, preValidation: readMultipart(app, 'interview') }, async (request, reply) => {
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
    return reply.status(201).header('location', `/api/interviews/${view.id}`).send({ ...presentInterview(view), documents: grounding });
  });

  app.get('/interviews/:id', { schema: { params: InterviewParams } }, async (request) => {
    const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
    if (!view) throw notFound('interview', request.params.id);
    return presentInterview(view);
  });

  app.get('/interviews/:id/events', { schema: { params: InterviewParams, querystring: EventsQuery } }, async (request) => {
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
