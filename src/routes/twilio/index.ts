/** The Twilio edge: signed webhooks (form-encoded) and the Media Streams socket. */
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { twilioWebhookRoutes } from './webhooks.js';
import { twilioMediaRoutes } from './media.js';
import { twilioSmsRoutes } from './sms.js';

export default async function twilioRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(twilioWebhookRoutes, opts);
  await app.register(twilioMediaRoutes, opts);
  await app.register(twilioSmsRoutes, opts);
}
