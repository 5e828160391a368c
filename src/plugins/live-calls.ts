/**
 * The live calls of this process: the registry of live interviews (draining waits on it; the workspace finds its
 * interview's interviewer through it), the hooks capabilities add to every call, and `start`, which runs the
 * live-call use case with this app's store, providers and metrics.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { LiveInterviews } from '../interview/live-registry.js';
import { startLiveCall, type LiveCallHandle, type LiveCallHooks, type StreamStart } from '../interview/live-call.js';
import type { InterviewerOptions } from '../interview/interviewer.js';
import type { CallTransport } from '../voice/types.js';

export interface LiveCalls {
  registry: LiveInterviews;
  /** Added to by capabilities (scoring, the simulator's clean-up, …); run for every call. */
  hooks: LiveCallHooks[];
  start(start: StreamStart, transport: CallTransport, log?: Logger): Promise<LiveCallHandle | { refuse: string }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    liveCalls: LiveCalls;
  }
}

export default fp(
  async function liveCallsPlugin(app: FastifyInstance, opts: { config: Config; interviewer?: InterviewerOptions }) {
    const registry = new LiveInterviews();
    const hooks: LiveCallHooks[] = [];
    const m = app.metrics;
    app.decorate('liveCalls', {
      registry,
      hooks,
      // Draining: a stream that starts now is a new call (its TwiML went out before the drain); refuse it.
      start: async (start, transport, log) =>
        app.draining ? { refuse: 'the service is draining; no new calls' } : startLiveCall(
          {
            store: app.store,
            providers: app.providers,
            registry,
            log: log ?? (app.log as unknown as Logger),
            interviewer: opts.interviewer,
            conversation: { language: opts.config.deepgram.language, endpointingMs: opts.config.deepgram.endpointingMs, sttBatchMs: opts.config.deepgram.batchMs },
            hooks,
            metrics: {
              callStarted: () => m.liveCalls.inc(),
              callEnded: (reason, status) => {
                m.liveCalls.dec();
                m.callsEnded.inc({ reason });
                m.callOutcomes.inc({ status });
              },
              turnStage: (stage, ms) => m.turnStageSeconds.observe({ stage }, ms / 1000),
              fault: (where) => m.callFaults.inc({ where }),
              invalidEvent: (type) => m.eventsInvalid.inc({ type }),
              event: (type, payload) => m.callEvent(type, payload),
              cost: (estimate) => m.callCost(estimate),
            },
            prices: opts.config.ops.cost,
          },
          start,
          transport,
        ),
    });
  },
  { name: 'live-calls', dependencies: ['store', 'providers', 'metrics'] },
);
