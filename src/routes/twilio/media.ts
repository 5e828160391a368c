/**
 * GET /twilio/media: the Media Streams WebSocket. The upgrade is signed; `start` must carry a valid, unused
 * stream token for its CallSid. The connection speaks the wire protocol; the live-call use case runs the call.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { publicWsUrl } from '../../config.js';
import type { Logger } from '../../lib/logger.js';
import { TwilioMediaConnection } from '../../telephony/twilio/media-connection.js';
import { twilioSignatureGuard } from './guard.js';

export async function twilioMediaRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const wsBase = publicWsUrl(opts.config, '');
  app.get('/twilio/media', { websocket: true, preValidation: twilioSignatureGuard(app, wsBase, 'media') }, (socket, request) => {
    new TwilioMediaConnection(socket, {
      log: request.log,
      onRejectedFrame: (reason) => app.metrics.mediaFramesRejected.inc({ reason }),
      accept: async (start, transport) => {
        const call = await app.liveCalls.start(
          { token: start.customParameters.token, callSid: start.callSid, streamSid: start.streamSid, tracks: start.tracks, mediaFormat: start.mediaFormat },
          transport,
          request.log as unknown as Logger,
        );
        if ('refuse' in call) return call;
        return {
          onMedia: (ev) => call.media(ev.payload, ev.timestampMs),
          onMark: (name) => call.mark(name),
          onDtmf: (digit) => call.dtmf(digit),
          onEnd: (how) => call.hangup(how),
        };
      },
    });
  });
}
