/** POST /api/interviews/:id/call — phone the candidate now. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import { InterviewParams } from './schemas.js';
import { placeCall } from '../../scheduling/place-call.js';

const callRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  app.addHook('preHandler', app.requireApiToken);
  app.post('/interviews/:id/call', { schema: { params: InterviewParams } }, async (request, reply) => {
    const call = await placeCall(
      { store: app.store, rest: app.telephony.rest, publicUrl: opts.config.publicUrl },
      request.params.id,
      request.tenantId,
    );
    request.log.info({ interviewId: request.params.id, callSid: call.callSid }, 'call placed');
    return reply.status(202).send({ interviewId: request.params.id, ...call });
  });
};

export default callRoutes;
