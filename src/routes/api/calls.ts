/** POST /api/interviews/:id/call — phone the candidate now (inside the calling window only: 409 outside it). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import { Type } from '@sinclair/typebox';
import { ErrorSchema, InterviewParams } from './schemas.js';
import { placeCall } from '../../scheduling/place-call.js';

const callRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  app.addHook('preHandler', app.requireApiToken);
  const Placed = Type.Object({ interviewId: Type.String(), callSid: Type.String() }, { additionalProperties: true });
  app.post('/interviews/:id/call', { schema: { summary: 'Phone the candidate now', params: InterviewParams, response: { 202: Placed, 409: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema } } }, async (request, reply) => {
    const call = await placeCall(
      { store: app.store, rest: app.telephony.rest, publicUrl: opts.config.publicUrl, lawfulHours: app.scheduling },
      request.params.id,
      request.tenantId,
    );
    request.log.info({ interviewId: request.params.id, callSid: call.callSid }, 'call placed');
    return reply.status(202).send({ interviewId: request.params.id, ...call });
  });
};

export default callRoutes;
