/**
 * Prometheus metrics: one registry per app (tests build many apps), served at GET /metrics behind a bearer token
 * (METRICS_TOKEN, else the recruiter API's tokens), or on its own METRICS_PORT listener (metrics-server.ts, which
 * `screenline worker` uses too). docs/operations.md lists every series; docs/operations/grafana-dashboard.json and
 * alerts.yml use them (a test keeps them in step).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';
import { bearerMatches, serveMetrics, type MetricsServer } from './metrics-server.js';
import type { CostEstimate } from '../interview/cost.js';

/** Waiting / delayed / active jobs per job name, read at scrape time. */
export type QueueCounts = Record<string, { waiting: number; delayed: number; active: number }>;

export interface Metrics {
  registry: Registry;
  mediaFramesRejected: Counter<'reason'>;
  liveCalls: Gauge;
  callsEnded: Counter<'reason'>;
  /** Final interview status of each call that ended (completed, incomplete, consent_refused, …). */
  callOutcomes: Counter<'status'>;
  /** Faults contained inside one call (the call ended gracefully; the process kept serving). */
  callFaults: Counter<'where'>;
  /** Promise rejections nobody handled (logged and counted; the process keeps serving). */
  unhandledRejections: Counter;
  /** Event payloads that did not match the catalogue (written anyway). */
  eventsInvalid: Counter<'type'>;
  webhooksRejected: Counter<'route'>;
  /** Per-turn latency by stage (seconds), filled by the voice core. */
  turnStageSeconds: Histogram<'stage'>;
  bargeIns: Counter<'evidence'>;
  bargeInVerdicts: Counter<'verdict'>;
  providerFallbacks: Counter<'port' | 'from' | 'to'>;
  providerErrors: Counter<'port' | 'kind'>;
  /** Every error the service counts, by type (one series to alert on). */
  errors: Counter<'type'>;
  httpSeconds: Histogram<'method' | 'route' | 'status_class'>;
  jobSeconds: Histogram<'job' | 'outcome'>;
  jobWaitSeconds: Histogram<'job'>;
  usage: Counter<'kind'>;
  cost: Counter<'component'>;
  interviewCost: Histogram;
  /** Set by the queue plugin: where queue depth comes from. */
  queueCounts?: () => Promise<QueueCounts>;
  /** Maps one call event onto the counters above (barge-ins, fallbacks, provider errors, faults). */
  callEvent(type: string, payload: Record<string, unknown>): void;
  /** The cost estimate of one ended call. */
  callCost(estimate: CostEstimate): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

const label = (v: unknown, fallback = 'unknown') => (typeof v === 'string' && v ? v.slice(0, 60) : fallback);

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Default metrics include event-loop lag from monitorEventLoopDelay (screenline_nodejs_eventloop_lag_p99_seconds…)
  // and GC pauses from a PerformanceObserver on 'gc' (screenline_nodejs_gc_duration_seconds{kind}).
  collectDefaultMetrics({
    register: registry,
    prefix: 'screenline_',
    eventLoopMonitoringPrecision: 10,
    gcDurationBuckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });
  const r = [registry];
  const errors = new Counter({ name: 'screenline_errors_total', help: 'Errors by type (http_5xx, call_fault, agent_error, provider_error, provider_exhausted, provider_down, job_failed, unhandled_rejection)', labelNames: ['type'], registers: r });
  const callFaults = new Counter({ name: 'screenline_call_faults_total', help: 'Faults contained in one call (that call ended gracefully), by where they happened', labelNames: ['where'], registers: r });
  const unhandledRejections = new Counter({ name: 'screenline_unhandled_rejections_total', help: 'Promise rejections no handler caught (logged; the process kept serving)', registers: r });
  const bargeIns = new Counter({ name: 'screenline_barge_ins_total', help: 'Speech over the agent that paused playback (clear sent), by evidence (vad, words)', labelNames: ['evidence'], registers: r });
  const bargeInVerdicts = new Counter({ name: 'screenline_barge_in_verdicts_total', help: 'How paused replies ended: committed (caller took the floor), false_interruption or backchannel (agent resumed)', labelNames: ['verdict'], registers: r });
  const providerFallbacks = new Counter({ name: 'screenline_provider_fallbacks_total', help: 'Requests a provider failed before its first output and the next one took (to="none": all failed)', labelNames: ['port', 'from', 'to'], registers: r });
  const providerErrors = new Counter({ name: 'screenline_provider_errors_total', help: 'Provider failures during calls, by port and kind', labelNames: ['port', 'kind'], registers: r });
  const usage = new Counter({ name: 'screenline_usage_total', help: 'Metered usage of ended calls: stt_seconds, llm_prompt_tokens, llm_completion_tokens, tts_characters, telephony_seconds', labelNames: ['kind'], registers: r });
  const cost = new Counter({ name: 'screenline_cost_estimate_total', help: 'Estimated spend of ended calls at the COST_* prices (COST_CURRENCY units), by component', labelNames: ['component'], registers: r });
  const interviewCost = new Histogram({ name: 'screenline_interview_cost_estimate', help: 'Estimated cost of one interview call (COST_CURRENCY units)', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: r });

  const metrics: Metrics = {
    registry,
    mediaFramesRejected: new Counter({ name: 'screenline_media_frames_rejected_total', help: 'Media Streams frames rejected by the socket policy, by reason', labelNames: ['reason'], registers: r }),
    liveCalls: new Gauge({ name: 'screenline_live_calls', help: 'Calls with an open media stream', registers: r }),
    callsEnded: new Counter({ name: 'screenline_calls_ended_total', help: 'Media streams ended, by reason', labelNames: ['reason'], registers: r }),
    callOutcomes: new Counter({ name: 'screenline_call_outcomes_total', help: 'Calls ended, by the final interview status', labelNames: ['status'], registers: r }),
    callFaults,
    unhandledRejections,
    eventsInvalid: new Counter({ name: 'screenline_events_invalid_total', help: 'Event payloads that did not match the event catalogue (written anyway)', labelNames: ['type'], registers: r }),
    webhooksRejected: new Counter({ name: 'screenline_twilio_webhooks_rejected_total', help: 'Twilio webhooks and stream upgrades refused for a bad or missing signature', labelNames: ['route'], registers: r }),
    turnStageSeconds: new Histogram({
      name: 'screenline_turn_stage_seconds',
      help: 'Per-turn latency by stage: stt_final, end_of_turn, first_frame (from the caller stopping); llm_first_token (from the end of turn); tts_first_byte (from play start); barge_in_clear (speech onset to clear)',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5],
      registers: r,
    }),
    bargeIns,
    bargeInVerdicts,
    providerFallbacks,
    providerErrors,
    errors,
    httpSeconds: new Histogram({
      name: 'screenline_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status class (its _count gives the request and error rates)',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    jobSeconds: new Histogram({ name: 'screenline_job_duration_seconds', help: 'Run time of one job attempt, by job name and outcome (ok, failed)', labelNames: ['job', 'outcome'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: r }),
    jobWaitSeconds: new Histogram({ name: 'screenline_job_wait_seconds', help: 'Time a job waited in its queue after it was due (first attempts), by job name', labelNames: ['job'], buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300], registers: r }),
    usage,
    cost,
    interviewCost,
    callEvent(type, p) {
      switch (type) {
        case 'bargein.pause':
          bargeIns.inc({ evidence: label(p.evidence) });
          break;
        case 'bargein.resume':
          bargeInVerdicts.inc({ verdict: label(p.why) });
          break;
        case 'bargein.commit':
          bargeInVerdicts.inc({ verdict: 'committed' });
          break;
        case 'provider.fallback':
          providerFallbacks.inc({ port: label(p.port), from: label(p.from), to: label(p.to, 'none') });
          break;
        case 'provider.exhausted':
          providerFallbacks.inc({ port: label(p.port), from: label(p.from), to: 'none' });
          errors.inc({ type: 'provider_exhausted' });
          break;
        case 'provider.error':
          providerErrors.inc({ port: label(p.port), kind: label(p.kind) });
          errors.inc({ type: 'provider_error' });
          break;
        case 'call.provider_down':
          errors.inc({ type: 'provider_down' });
          break;
        case 'agent.error':
          errors.inc({ type: 'agent_error' });
          break;
        case 'call.error':
          errors.inc({ type: 'call_fault' });
          break;
        default:
          break;
      }
    },
    callCost(e) {
      usage.inc({ kind: 'stt_seconds' }, e.usage.sttSeconds);
      usage.inc({ kind: 'llm_prompt_tokens' }, e.usage.llmPromptTokens);
      usage.inc({ kind: 'llm_completion_tokens' }, e.usage.llmCompletionTokens);
      usage.inc({ kind: 'tts_characters' }, e.usage.ttsCharacters);
      usage.inc({ kind: 'telephony_seconds' }, e.usage.telephonySeconds);
      for (const [component, value] of Object.entries(e.components)) cost.inc({ component }, value);
      interviewCost.observe(e.total);
    },
  };

  new Gauge({
    name: 'screenline_queue_depth',
    help: 'Jobs in the queue by job name and state (waiting: due and not started; delayed: due later; active: running)',
    labelNames: ['job', 'state'],
    registers: r,
    async collect() {
      this.reset();
      if (!metrics.queueCounts) return;
      let counts: QueueCounts;
      try {
        counts = await metrics.queueCounts();
      } catch {
        return; // Redis down: no depth rather than a failed scrape.
      }
      for (const [job, c] of Object.entries(counts)) {
        this.set({ job, state: 'waiting' }, c.waiting);
        this.set({ job, state: 'delayed' }, c.delayed);
        this.set({ job, state: 'active' }, c.active);
      }
    },
  });
  return metrics;
}

/** Bearer check for the scrape: METRICS_TOKEN when set, else the recruiter API's tokens. */
function metricsGuard(app: FastifyInstance, token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!token) return app.requireApiToken(request, reply);
    if (!bearerMatches(request.headers.authorization, token)) throw new AppError(401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
  };
}

const statusClass = (code: number) => `${Math.floor(code / 100)}xx`;

export default fp(
  async function metricsPlugin(app: FastifyInstance, opts: { config?: Config } = {}) {
    app.decorate('metrics', createMetrics());
    const token = opts.config?.ops.metricsToken;
    const port = opts.config?.ops.metricsPort;

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route === '/metrics') return;
      const status = reply.statusCode;
      app.metrics.httpSeconds.observe({ method: request.method, route, status_class: statusClass(status) }, reply.elapsedTime / 1000);
      if (status >= 500) app.metrics.errors.inc({ type: 'http_5xx' });
    });

    if (port === undefined) {
      app.get('/metrics', { logLevel: 'warn', preHandler: metricsGuard(app, token) }, async (_request, reply) =>
        reply.type(app.metrics.registry.contentType).header('cache-control', 'no-store').send(await app.metrics.registry.metrics()),
      );
      return;
    }
    // Its own listener: the public port never serves metrics (a private network or a sidecar scrapes this one).
    let server: MetricsServer | undefined;
    app.addHook('onListen', async () => {
      server = await serveMetrics({ registry: app.metrics.registry, port, host: opts.config?.host, token, log: app.log });
      app.log.info({ metricsPort: server.port }, 'metrics listening on their own port');
    });
    app.addHook('onClose', async () => {
      await server?.close();
    });
  },
  { name: 'metrics' },
);

/** The queue wrapper's observer (jobs/instrumented-queue.ts) writing into these metrics. */
export function jobObserver(m: Metrics): { attempt(job: string, outcome: 'ok' | 'failed', seconds: number): void; waited(job: string, seconds: number): void } {
  return {
    attempt: (job, outcome, seconds) => {
      m.jobSeconds.observe({ job, outcome }, seconds);
      if (outcome === 'failed') m.errors.inc({ type: 'job_failed' });
    },
    waited: (job, seconds) => m.jobWaitSeconds.observe({ job }, seconds),
  };
}
