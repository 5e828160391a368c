/**
 * POST /api/interviews/:id/practice-link — the recruiter's practice link: the interview taken from a browser, with
 * no phone (docs/workspace.md#practice). The plain token is only in this response; the store keeps its hash.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import { conflict, notFound } from '../../lib/errors.js';
import { createPracticeRepo } from '../../store/repos/practice.js';
import { ErrorSchema, InterviewParams } from './schemas.js';

export const PracticeLinkSchema = Type.Object(
  {
    interviewId: Type.String(),
    /** `PUBLIC_URL/practice/<token>`: give it to whoever takes the practice interview. */
    url: Type.String(),
    linkId: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const practiceApiRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  app.addHook('preHandler', app.requireApiToken);
  const repo = createPracticeRepo(app.store.db);
  app.post(
    '/interviews/:id/practice-link',
    {
      schema: {
        summary: 'Create a browser practice link for an interview (no phone)',
        params: InterviewParams,
        response: { 201: PracticeLinkSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
      if (!view) throw notFound('interview', request.params.id);
      // The live call starts only a scheduled interview (the phone path's rule): an ended one cannot be practised.
      if (view.status !== 'scheduled') throw conflict('interview_not_scheduled', `interview ${view.id} is ${view.status}; a practice link needs a scheduled interview`);
      const link = await repo.issue({ interviewId: view.id, tenantId: view.tenantId, maxAgeMs: opts.config.workspace.practiceLinkMaxAgeMs });
      await app.store.events.append(view.id, 'practice.link_issued', { linkId: link.linkId, expiresAt: link.expiresAt.toISOString() });
      request.log.info({ interviewId: view.id, linkId: link.linkId }, 'practice link issued');
      return reply.status(201).send({
        interviewId: view.id,
        url: `${opts.config.publicUrl.replace(/\/$/, '')}/practice/${link.token}`,
        linkId: link.linkId,
        expiresAt: link.expiresAt.toISOString(),
      });
    },
  );
};

export default practiceApiRoutes;
