/** Prometheus metrics: one registry per app (tests build many apps), served at GET /metrics. */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'screenline_' });
  return {
    registry,
    mediaFramesRejected: new Counter({
      name: 'screenline_media_frames_rejected_total',
      help: 'Media Streams frames rejected by the socket policy, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    liveCalls: new Gauge({ name: 'screenline_live_calls', help: 'Calls with an open media stream', registers: [registry] }),
    callsEnded: new Counter({
      name: 'screenline_calls_ended_total',
      help: 'Media streams ended, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    callOutcomes: new Counter({
      name: 'screenline_call_outcomes_total',
      help: 'Calls ended, by the final interview status',
      labelNames: ['status'],
      registers: [registry],
    }),
    callFaults: new Counter({
      name: 'screenline_call_faults_total',
      help: 'Faults contained in one call (that call ended gracefully), by where they happened',
      labelNames: ['where'],
      registers: [registry],
    }),
    unhandledRejections: new Counter({
      name: 'screenline_unhandled_rejections_total',
      help: 'Promise rejections no handler caught (logged; the process kept serving)',
      registers: [registry],
    }),
    eventsInvalid: new Counter({
      name: 'screenline_events_invalid_total',
      help: 'Event payloads that did not match the event catalogue (written anyway)',
      labelNames: ['type'],
      registers: [registry],
    }),
    webhooksRejected: new Counter({
      name: 'screenline_twilio_webhooks_rejected_total',
      help: 'Twilio webhooks and stream upgrades refused for a bad or missing signature',
      labelNames: ['route'],
      registers: [registry],
    }),
    turnStageSeconds: new Histogram({
      name: 'screenline_turn_stage_seconds',
      help: 'Per-turn latency by stage: stt_final, llm_first_token, tts_first_byte, first_frame, barge_in_clear',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5],
      registers: [registry],
    }),
  };
}

export default fp(
  async function metricsPlugin(app: FastifyInstance) {
    app.decorate('metrics', createMetrics());
    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) =>
      reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics()),
    );
  },
  { name: 'metrics' },
);
