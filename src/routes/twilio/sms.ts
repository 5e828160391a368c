/**
 * POST /twilio/sms — texts from candidates (signed like every Twilio webhook). An opt-out word (STOP, STOPALL,
 * UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPT OUT) records an opt-out for the number in every organisation that
 * has an interview with it — the carrier blocks our sender for that number whichever organisation it texted —
 * and cancels their planned calls. START / UNSTOP lifts it. The answer is empty TwiML: Twilio sends the
 * carrier-mandated confirmation itself.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import { twilioSignatureGuard } from './guard.js';
import { optInKeyword, optOutKeyword, recordOptIn, recordOptOut, tenantsForPhone } from '../../scheduling/opt-out.js';
import { maskPhone } from '../../workspace/sms.js';

const SmsParams = Type.Object(
  {
    MessageSid: Type.String({ maxLength: 64 }),
    From: Type.String({ maxLength: 32 }),
    To: Type.Optional(Type.String({ maxLength: 32 })),
    Body: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: true },
);
type SmsParams = Static<typeof SmsParams>;

const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export async function twilioSmsRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  app.post<{ Body: SmsParams }>(
    '/twilio/sms',
    { schema: { body: SmsParams, hide: true }, preHandler: twilioSignatureGuard(app, opts.config.publicUrl, 'sms') },
    async (request, reply) => {
      const { From: from, Body: body, MessageSid: messageSid } = request.body;
      const log = request.log.child({ messageSid, from: maskPhone(from) });
      const stop = optOutKeyword(body);
      const start = stop ? undefined : optInKeyword(body);
      if (stop || start) {
        const tenants = await tenantsForPhone(app.store, from);
        // No interview with this number yet: the opt-out is still kept (default organisation), so a later one honours it.
        for (const tenantId of tenants.length ? tenants : ['default']) {
          if (stop) await recordOptOut(app.store, { tenantId, phone: from, source: 'sms', keyword: stop });
          else await recordOptIn(app.store, { tenantId, phone: from, keyword: start! });
        }
        log.info({ keyword: stop ?? start, tenants: tenants.length }, stop ? 'opt-out by text' : 'opt-in by text');
      } else {
        log.info('text from a candidate (not a keyword): ignored');
      }
      return reply.type('text/xml; charset=utf-8').send(EMPTY);
    },
  );
}
