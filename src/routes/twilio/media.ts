/**
 * GET /twilio/media: the Media Streams WebSocket. The upgrade is signed; `start` must carry a valid, unused
 * stream token for its CallSid. The connection speaks the wire protocol; the live-call use case runs the call.
 *
 * `serveMediaStream` is the one media path: the browser practice line (routes/practice/) hands its socket to it
 * too, so both run the same token check, session, conversation and barge-in.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Config } from '../../config.js';
import { publicWsUrl } from '../../config.js';
import type { Logger } from '../../lib/logger.js';
import type { LiveCallHandle } from '../../interview/live-call.js';
import { TwilioMediaConnection } from '../../telephony/twilio/media-connection.js';
import type { StartEvent } from '../../telephony/twilio/media-serializer.js';
import { twilioSignatureGuard } from './guard.js';

export interface MediaStreamOptions {
  /** A further check of `start` before the live call (the practice line's CallSid binding): a reason refuses it. */
  precheck?(start: StartEvent): Promise<string | undefined>;
  /** The live call has started on this socket. */
  onCall?(call: LiveCallHandle): void;
}

export function serveMediaStream(app: FastifyInstance, socket: WebSocket, log: FastifyBaseLogger, opts: MediaStreamOptions = {}): TwilioMediaConnection {
  return new TwilioMediaConnection(socket, {
    log,
    onRejectedFrame: (reason) => app.metrics.mediaFramesRejected.inc({ reason }),
    accept: async (start, transport) => {
      const refused = await opts.precheck?.(start);
      if (refused) return { refuse: refused };
      const call = await app.liveCalls.start(
        { token: start.customParameters.token, callSid: start.callSid, streamSid: start.streamSid, tracks: start.tracks, mediaFormat: start.mediaFormat },
        transport,
        log as unknown as Logger,
      );
      if ('refuse' in call) return call;
      opts.onCall?.(call);
      return {
        onMedia: (ev) => call.media(ev.payload, ev.timestampMs),
        onMark: (name) => call.mark(name),
        onDtmf: (digit) => call.dtmf(digit),
        onEnd: (how) => call.hangup(how),
      };
    },
  });
}

export async function twilioMediaRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const wsBase = publicWsUrl(opts.config, '');
  app.get('/twilio/media', { websocket: true, preValidation: twilioSignatureGuard(app, wsBase, 'media') }, (socket, request) => {
    serveMediaStream(app, socket, request.log);
  });
}
