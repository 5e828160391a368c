/** Twilio signature check for webhook routes and the media upgrade: 403 on anything but a valid signature. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidTwilioSignature } from '../../telephony/twilio/signature.js';

export function twilioSignatureGuard(app: FastifyInstance, baseUrl: string, route: string) {
  return async function checkTwilioSignature(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const signature = request.headers['x-twilio-signature'];
    const url = baseUrl + request.url;
    const params = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
    if (isValidTwilioSignature(app.telephony.authToken, typeof signature === 'string' ? signature : undefined, url, params)) return;
    app.metrics.webhooksRejected.inc({ route });
    request.log.warn(
      { route, callSid: (params as { CallSid?: string }).CallSid, hasSignature: Boolean(signature), configured: Boolean(app.telephony.authToken) },
      'twilio signature rejected',
    );
    await reply.status(403).send({ error: 'forbidden', message: 'invalid Twilio signature', requestId: request.id });
  };
}
