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
import queuePlugin, { type QueuePluginOptions } from './plugins/queue.js';
import authPlugin from './plugins/auth.js';
import lifecyclePlugin from './plugins/lifecycle.js';
import interviewsRoutes from './routes/api/interviews.js';
import scorecardRoutes from './routes/api/scorecard.js';
import { installValidators } from './plugins/validation.js';
import metricsPlugin from './plugins/metrics.js';
import providersPlugin, { type ProviderOverrides } from './plugins/providers.js';
import telephonyPlugin from './plugins/telephony.js';
import twilioRoutes from './routes/twilio/index.js';
import callRoutes from './routes/api/calls.js';
import groundingPlugin, { type GroundingOverrides } from './plugins/grounding.js';
import groundingRoutes from './routes/api/grounding.js';
import workspacePlugin, { type WorkspacePluginOptions } from './plugins/workspace.js';
import workspaceRoutes from './routes/workspace/index.js';
import liveCallsPlugin from './plugins/live-calls.js';
import callCapabilitiesPlugin from './plugins/call-capabilities.js';
import type { Simulation } from './plugins/simulation.js';
import type { TwilioRest } from './telephony/twilio/rest.js';
import type { InterviewerOptions } from './interview/interviewer.js';

export interface AppOverrides {
  /** Use this store instead of opening one from config (the caller closes it). */
  store?: Store;
  queue?: JobQueue;
  /** Scorer, email and rubric overrides for the scoring jobs (tests, the demo). */
  jobs?: QueuePluginOptions['jobs'];
  logger?: Logger;
  providers?: ProviderOverrides;
  twilioRest?: TwilioRest;
  /** Interviewer tuning for every call (the demo's short plan). */
  interviewer?: InterviewerOptions;
  /** Embedder / vector index / parse limits for grounding (null = none). */
  grounding?: GroundingOverrides;
  /** The workspace's SMS sender and code verifier (tests share one verifier across apps). */
  workspace?: Omit<WorkspacePluginOptions, 'config'>;
  /** Local mode, the demo and tests: simulated speech-to-text and its routes (refused in production). */
  simulation?: Simulation;
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
  await app.register(queuePlugin, { config, queue: overrides.queue, jobs: overrides.jobs });
  await app.register(authPlugin, { config });
  await app.register(lifecyclePlugin);
  await app.register(metricsPlugin);
  await app.register(providersPlugin, { config, providers: overrides.providers, simulation: overrides.simulation });
  await app.register(groundingPlugin, { config, grounding: overrides.grounding });
  await app.register(liveCallsPlugin, { config, interviewer: overrides.interviewer });
  await app.register(telephonyPlugin, { config, rest: overrides.twilioRest });
  await app.register(interviewsRoutes, { prefix: '/api' });
  await app.register(scorecardRoutes, { prefix: '/api' });
  await app.register(callRoutes, { prefix: '/api', config });
  await app.register(groundingRoutes, { prefix: '/api' });
  await app.register(workspacePlugin, { config, ...overrides.workspace });
  await app.register(workspaceRoutes, { config });
  await app.register(callCapabilitiesPlugin);
  const simulation = overrides.simulation;
  if (simulation && app.providers.sttIsSimulator) {
    if (simulation.routes) await app.register(simulation.routes, { prefix: '/api' });
    app.liveCalls.hooks.push({ onEnded: (ended) => simulation.onCallEnded?.(ended.callSid) });
  }
  await app.register(twilioRoutes, { config });

  await app.ready();
  return app;
}
