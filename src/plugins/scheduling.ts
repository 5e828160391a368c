/**
 * Scheduling in the web process: `app.scheduling` (the deps other modules call `scheduleCall` with), the dial job
 * when jobs run here (in-process queue; with BullMQ `screenline worker` runs it), the due-row poller (every web
 * process: job ids and the row claim keep a dial single), and the live-call hook that turns a spoken opt-out
 * into an opt-out record.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { SmsSender } from '../workspace/sms.js';
import type { SchedulingDeps } from '../scheduling/scheduler.js';
import { registerDialJob, startDuePoller } from '../scheduling/dial-job.js';
import { spokenOptOutHook } from '../scheduling/call-hooks.js';
import { OutboxSms, TwilioSms } from '../workspace/sms.js';

declare module 'fastify' {
  interface FastifyInstance {
    scheduling: SchedulingDeps;
  }
}

export interface SchedulingPluginOptions {
  config: Config;
  sms?: SmsSender;
  /** Tests drive the clock; the poller is then started by hand (pollDue). */
  now?: () => Date;
  poller?: boolean;
}

export default fp(
  async function schedulingPlugin(app: FastifyInstance, opts: SchedulingPluginOptions) {
    const { config } = opts;
    const sms = opts.sms ?? (app.telephony.rest ? new TwilioSms(app.telephony.rest) : new OutboxSms(config.dataDir));
    const deps: SchedulingDeps = { store: app.store, queue: app.queue, log: app.log as unknown as Logger, config, sms, ...(opts.now ? { now: opts.now } : {}) };
    app.decorate('scheduling', deps);
    const here = app.queue.kind === 'in-process';
    if (here) registerDialJob({ ...deps, rest: app.telephony.rest });
    const s = config.scheduling;
    app.adapters.set(
      'scheduling',
      `calls ${String(Math.floor(s.windowStartMin / 60)).padStart(2, '0')}:${String(s.windowStartMin % 60).padStart(2, '0')}–${String(Math.floor(s.windowEndMin / 60)).padStart(2, '0')}:${String(s.windowEndMin % 60).padStart(2, '0')} local, days ${s.days.join(',')}, ${s.maxAttempts} attempts; due calls polled every ${s.pollMs} ms${here ? '' : ', dialed by screenline worker'}`,
    );
    app.liveCalls.hooks.push(spokenOptOutHook(app.store, app.log as unknown as Logger));
    if (opts.poller ?? true) {
      let poller: { stop(): void } | undefined;
      // After listen: a restart's overdue rows go out once the app is fully up.
      app.addHook('onReady', async () => {
        poller = startDuePoller(deps);
      });
      app.addHook('onClose', async () => poller?.stop());
    }
  },
  { name: 'scheduling', dependencies: ['store', 'queue', 'telephony', 'live-calls'] },
);
