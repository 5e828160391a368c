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
import recordingRoutes from './routes/api/recordings.js';
import artifactImageRoutes from './routes/api/artifact-images.js';
import { installValidators } from './plugins/validation.js';
import metricsPlugin from './plugins/metrics.js';
import processBusPlugin from './plugins/process-bus.js';
import hardeningPlugin from './plugins/hardening.js';
import openapiPlugin from './plugins/openapi.js';
import liveFeedPlugin from './plugins/live-feed.js';
import dashboardSessionPlugin from './plugins/dashboard-session.js';
import interviewsListRoutes from './routes/api/interviews-list.js';
import liveRoutes from './routes/api/live.js';
import dashboardRoutes from './routes/dashboard/index.js';
import providersPlugin, { type ProviderOverrides } from './plugins/providers.js';
import telephonyPlugin from './plugins/telephony.js';
import twilioRoutes from './routes/twilio/index.js';
import callRoutes from './routes/api/calls.js';
import schedulingPlugin, { type SchedulingPluginOptions } from './plugins/scheduling.js';
import schedulingRoutes from './routes/api/scheduling.js';
import candidateRoutes from './routes/candidate/index.js';
import groundingPlugin, { type GroundingOverrides } from './plugins/grounding.js';
import groundingRoutes from './routes/api/grounding.js';
import workspacePlugin, { type WorkspacePluginOptions } from './plugins/workspace.js';
import workspaceRoutes from './routes/workspace/index.js';
import practiceRoutes from './routes/practice/index.js';
import practiceApiRoutes from './routes/api/practice.js';
import liveCallsPlugin from './plugins/live-calls.js';
import callCapabilitiesPlugin from './plugins/call-capabilities.js';
import recoveryPlugin from './plugins/recovery.js';
import atsPlugin, { type AtsPluginOptions } from './plugins/ats.js';
import type { Simulation } from './plugins/simulation.js';
import type { TwilioRest } from './telephony/twilio/rest.js';
import type { InterviewerOptions } from './interview/interviewer.js';

export interface AppOverrides {
  /** ATS jobs' scheduling overrides, clock and lease (tests). */
  ats?: Omit<AtsPluginOptions, 'config'>;
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
  /** Scheduling's SMS sender, clock and due-row poller (tests). */
  scheduling?: Omit<SchedulingPluginOptions, 'config'>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(overrides.logger ? { loggerInstance: overrides.logger as FastifyBaseLogger } : { logger: loggerOptions(config.logLevel) }),
    // JSON and text bodies; uploads and webhooks have their own limits (plugins/hardening.ts, grounding-uploads.ts).
    bodyLimit: 256 * 1024,
    // While draining, plugins/recovery.ts decides what is refused (webhooks: 503 + Retry-After) and the voice
    // webhook answers a spoken refusal; Fastify's blanket 503 would cut both off.
    return503OnClosing: false,
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
  await app.register(processBusPlugin, { config });
  // Metrics and hardening first: their hooks (request timing, security headers, rate limits, body limits) must
  // see every route registered after them.
  await app.register(metricsPlugin, { config });
  await app.register(hardeningPlugin, { config });
  // Before any route: it documents each one and gives it the shared error responses (plugins/openapi.ts).
  await app.register(openapiPlugin, { config });
  await app.register(storePlugin, { config, store: overrides.store });
  await app.register(queuePlugin, { config, queue: overrides.queue, jobs: overrides.jobs });
  await app.register(authPlugin, { config });
  await app.register(dashboardSessionPlugin, { config });
  await app.register(liveFeedPlugin);
  await app.register(lifecyclePlugin);
  await app.register(providersPlugin, { config, providers: overrides.providers, simulation: overrides.simulation });
  await app.register(groundingPlugin, { config, grounding: overrides.grounding });
  await app.register(liveCallsPlugin, { config, interviewer: overrides.interviewer });
  await app.register(telephonyPlugin, { config, rest: overrides.twilioRest });
  await app.register(schedulingPlugin, { config, ...overrides.scheduling });
  await app.register(interviewsRoutes, { prefix: '/api' });
  await app.register(interviewsListRoutes, { prefix: '/api' });
  await app.register(liveRoutes, { prefix: '/api' });
  await app.register(dashboardRoutes);
  await app.register(scorecardRoutes, { prefix: '/api' });
  await app.register(recordingRoutes, { prefix: '/api' });
  await app.register(artifactImageRoutes, { prefix: '/api' });
  await app.register(callRoutes, { prefix: '/api', config });
  await app.register(schedulingRoutes, { prefix: '/api' });
  await app.register(candidateRoutes, { config });
  await app.register(groundingRoutes, { prefix: '/api' });
  await app.register(atsPlugin, { config, ...overrides.ats });
  await app.register(workspacePlugin, { config, ...overrides.workspace });
  await app.register(workspaceRoutes, { config });
  await app.register(practiceRoutes, { config });
  await app.register(practiceApiRoutes, { prefix: '/api', config });
  await app.register(callCapabilitiesPlugin);
  await app.register(recoveryPlugin, { config });
  const simulation = overrides.simulation;
  if (simulation && app.providers.sttIsSimulator) {
    if (simulation.routes) await app.register(simulation.routes, { prefix: '/api' });
    app.liveCalls.hooks.push({ onEnded: (ended) => simulation.onCallEnded?.(ended.callSid) });
  }
  await app.register(twilioRoutes, { config });

  await app.ready();
  return app;
}
