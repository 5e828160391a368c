/**
 * The root Fastify plugin: infrastructure plugins, then routes. `buildApp(config)` is what the server and the
 * tests use (tests call `app.inject` / `app.injectWS`).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import type { Store } from './store/store.js';
import type { JobQueue } from './jobs/queue.js';
import { loggerOptions, type Logger } from './lib/logger.js';
import adaptersPlugin from './plugins/adapters.js';
import errorsPlugin from './plugins/errors.js';
import storePlugin from './plugins/store.js';
import queuePlugin from './plugins/queue.js';
import authPlugin from './plugins/auth.js';
import lifecyclePlugin from './plugins/lifecycle.js';
import interviewsRoutes from './routes/api/interviews.js';
import { installValidators } from './plugins/validation.js';
import metricsPlugin from './plugins/metrics.js';
import providersPlugin, { type ProviderOverrides } from './plugins/providers.js';
import telephonyPlugin from './plugins/telephony.js';
import twilioRoutes from './routes/twilio/index.js';
import callRoutes from './routes/api/calls.js';
import simulatorRoutes from './routes/api/simulator.js';
import type { TwilioRest } from './telephony/twilio/rest.js';
import type { InterviewerOptions } from './interview/interviewer.js';

export interface AppOverrides {
  /** Use this store instead of opening one from config (the caller closes it). */
  store?: Store;
  queue?: JobQueue;
  logger?: Logger;
  providers?: ProviderOverrides;
  twilioRest?: TwilioRest;
  /** Interviewer tuning for every call (the demo's short plan). */
  interviewer?: InterviewerOptions;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(overrides.logger ? { loggerInstance: overrides.logger as FastifyBaseLogger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: 1024 * 1024,
    // A caller's request id is reused when it looks sane, so logs correlate across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestTimeout: 30_000,
    // Creating an embedded PGlite database on first start runs initdb, which can take a while on a busy machine.
    pluginTimeout: 120_000,
    trustProxy: false,
  }) as FastifyInstance;

  installValidators(app);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(adaptersPlugin);
  await app.register(errorsPlugin);
  await app.register(storePlugin, { config, store: overrides.store });
  await app.register(queuePlugin, { config, queue: overrides.queue });
  await app.register(authPlugin, { config });
  await app.register(lifecyclePlugin);
  await app.register(metricsPlugin);
  await app.register(providersPlugin, { config, providers: overrides.providers });
  await app.register(telephonyPlugin, { config, rest: overrides.twilioRest });
  await app.register(interviewsRoutes, { prefix: '/api' });
  await app.register(callRoutes, { prefix: '/api', config });
  if (app.providers.sttIsSimulator) await app.register(simulatorRoutes, { prefix: '/api' });
  await app.register(twilioRoutes, { config, interviewer: overrides.interviewer });

  await app.ready();
  return app;
}
