/**
 * Draining and crash recovery in the web process:
 * - while draining, webhooks and other writes are refused with 503 + Retry-After (the voice webhook answers TwiML that says
 *   so, and a new media stream is refused: routes/twilio/webhooks.ts, plugins/live-calls.ts);
 * - a call the drain cut off (`interrupted`) gets `call.interrupted` and a callback;
 * - the heartbeat of every live call in `live_calls`, and the sweeper (at startup, then every
 *   RECOVERY_SWEEP_INTERVAL_MS) that recovers the calls of processes that died;
 * - a callback's interviewer starts from the state rebuilt from the event log (resume-state.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { SchedulingDeps } from '../scheduling/scheduler.js';
import { appendEvent } from '../store/events/index.js';
import { PROCESS_ID, startHeartbeat } from '../interview/recovery/heartbeat.js';
import { sweepStaleCalls, type SweepResult } from '../interview/recovery/sweeper.js';
import { planCallback } from '../interview/recovery/callback.js';
import { rebuildResumeState } from '../interview/recovery/resume-state.js';

declare module 'fastify' {
  interface FastifyInstance {
    recovery: {
      /** Runs one sweep now (the timer runs them too). */
      sweep(): Promise<SweepResult[]>;
    };
  }
}

/** Seconds an ATS should wait before redelivering to a draining process (another one is up by then). */
const DRAIN_RETRY_AFTER_S = 30;

export default fp(
  async function recoveryPlugin(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    const log = app.log as unknown as Logger;
    const scheduling = (): SchedulingDeps => (app.hasDecorator('scheduling') ? app.scheduling : { store: app.store, queue: app.queue, log, config });

    // Draining takes no new work: reads, probes and the carrier edge of live calls pass; any other write (an ATS
    // delivery, an API request that would start something) is told to come back (another process will be up).
    app.addHook('onRequest', async (request, reply) => {
      if (!app.draining || request.method === 'GET' || request.method === 'HEAD' || request.url.startsWith('/twilio/')) return;
      return reply
        .status(503)
        .header('retry-after', String(DRAIN_RETRY_AFTER_S))
        .send({ error: 'draining', message: 'this process is shutting down; deliver again later' });
    });

    const pending = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>) => {
      pending.add(p);
      p.finally(() => pending.delete(p)).catch(() => undefined);
    };

    app.liveCalls.hooks.push({
      // A callback of an interrupted call: resume where it stopped, without the answered questions.
      prepare: async (interview) => {
        const events = await app.store.events.list(interview.id, { types: ['call.interrupted', 'interview.stage', 'interview.consent', 'agent.speech', 'interview.turn'] });
        const resumeState = rebuildResumeState(events);
        return resumeState ? { resumeState } : undefined;
      },
      onEnded: (ended) => {
        if (ended.status !== 'interrupted') return;
        const run = (async () => {
          await appendEvent(app.store, ended.interviewId, 'call.interrupted', {
            reason: ended.reason === 'draining' ? 'draining' : ended.reason,
            callSid: ended.callSid,
            stageReached: ended.stageReached,
            processId: PROCESS_ID,
            lastHeartbeatAt: null,
          });
          const interview = await app.store.interviews.get(ended.interviewId);
          if (interview) await planCallback(scheduling(), { interviewId: ended.interviewId, tenantId: interview.tenantId, stageReached: ended.stageReached });
        })().catch((err: unknown) => log.error({ err, interviewId: ended.interviewId }, 'interrupted call: recording or planning the callback failed'));
        track(run);
        return run;
      },
    });

    const r = config.recovery;
    const heartbeat = startHeartbeat({ store: app.store, registry: app.liveCalls.registry, log, intervalMs: r.heartbeatIntervalMs });
    let sweeping: Promise<SweepResult[]> | undefined;
    const sweep = (): Promise<SweepResult[]> => {
      sweeping ??= sweepStaleCalls(scheduling(), r.heartbeatStaleMs)
        .catch((err: unknown) => {
          log.warn({ err }, 'recovery sweep failed; trying again on the next one');
          return [];
        })
        .finally(() => (sweeping = undefined));
      return sweeping;
    };
    app.decorate('recovery', { sweep });
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      if (r.sweepIntervalMs <= 0) return;
      track(sweep());
      timer = setInterval(() => {
        if (!app.draining) track(sweep());
      }, r.sweepIntervalMs);
      timer.unref();
    });
    app.adapters.set('recovery', `heartbeat every ${r.heartbeatIntervalMs} ms as ${PROCESS_ID}; calls stale after ${r.heartbeatStaleMs} ms are resumed by callback${r.sweepIntervalMs > 0 ? ` (swept every ${r.sweepIntervalMs} ms)` : ' (sweeping off here)'}`);
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await heartbeat.stop();
      // Callbacks of the calls the drain ended, and a sweep in flight, finish before the database closes.
      await Promise.allSettled([...pending]);
    });
  },
  { name: 'recovery', dependencies: ['store', 'queue', 'live-calls', 'adapters'] },
);
