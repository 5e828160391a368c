/**
 * The worker process: consumes background jobs from BullMQ. With no REDIS_URL the web process runs jobs
 * in-process and a separate worker has nothing to share, so it says so and exits. With WORKER_METRICS_PORT it
 * serves its own /metrics (job latency and failures, queue depth, event-loop lag, GC).
 */
import type { Config } from '../config.js';
import { createQueue } from '../jobs/create-queue.js';
import { instrumentQueue } from '../jobs/instrumented-queue.js';
import { createMetrics, jobObserver } from '../plugins/metrics.js';
import { serveMetrics, type MetricsServer } from '../plugins/metrics-server.js';
import { describeJobAdapters, registerJobHandlers } from '../jobs/handlers.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';
import { buildGroundingService } from '../plugins/grounding.js';
import { registerAtsWorkerJobs } from '../ats/worker-jobs.js';
import { createProcessBus } from '../cluster/process-bus.js';
import { BusLiveFeed, toFeedEvent } from '../dashboard/live-feed.js';
import { registerDialJob, startDuePoller } from '../scheduling/dial-job.js';
import { DIAL_JOB } from '../scheduling/scheduler.js';
import { smsFromConfig, twilioRestFromConfig } from '../scheduling/sms-sender.js';

export async function worker(config: Config): Promise<number> {
  const log = createLogger(config.logLevel);
  if (!config.redisUrl) {
    process.stdout.write(
      'worker: REDIS_URL is not set, so jobs run inside the web process (in-process queue). Nothing to do here.\n',
    );
    return 0;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  // As in the web process (plugins/queue.ts): every attempt timed and logged with its job's ids, depth read at scrape time.
  const metrics = createMetrics();
  const queue = instrumentQueue(await createQueue(config.redisUrl, log), jobObserver(metrics));
  if (queue.counts) metrics.queueCounts = () => queue.counts!();
  // Scores and reports written here reach the dashboard's live viewers in the web processes (Redis pub/sub).
  const bus = createProcessBus({ redisUrl: config.redisUrl, onError: (err, topic) => log.warn({ err, topic }, 'process bus error') });
  const feed = new BusLiveFeed(bus);
  store.events.onAppended((event) => feed.publish(toFeedEvent(event)));
  const names = registerJobHandlers(queue, { store, log, config });
  // Scheduled dials: BullMQ delayed jobs land here; the poller re-enqueues due rows a lost job left behind.
  const scheduling = { store, queue, log, config, rest: twilioRestFromConfig(config), sms: smsFromConfig(config) };
  registerDialJob(scheduling);
  names.push(DIAL_JOB);
  // ATS deliveries and write-back; resumes are ingested here, so this process has its own grounding service.
  const grounding = await buildGroundingService(config, store, log);
  names.push(...(await registerAtsWorkerJobs(config, store, queue, log, grounding.service)));
  const poller = startDuePoller(scheduling);
  const adapters = describeJobAdapters({ store, log, config });
  const release = async () => {
    poller.stop();
    await queue.close(config.drainTimeoutMs);
    await grounding.parser.close();
    await bus.close();
    await store.close();
  };
  // Started last, so a port already taken can release all the above (its handles would keep a failed worker alive).
  let metricsServer: MetricsServer | undefined;
  const metricsPort = config.ops.workerMetricsPort;
  if (metricsPort !== undefined) {
    try {
      metricsServer = await serveMetrics({ registry: metrics.registry, port: metricsPort, host: config.host, token: config.ops.metricsToken, log });
    } catch (err) {
      await release();
      throw err;
    }
  }
  const metricsLine = metricsServer
    ? `http://${config.host}:${metricsServer.port}/metrics (${config.ops.metricsToken ? 'Authorization: Bearer <METRICS_TOKEN>' : 'no METRICS_TOKEN: open to anyone who reaches the port'})`
    : 'off (set WORKER_METRICS_PORT to serve /metrics)';
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'worker draining');
    try {
      await release();
    } finally {
      // Last, so the drain can still be scraped; closed even if a step above failed (it would hold the process open).
      await metricsServer?.close();
    }
    log.info('worker closed');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stop(signal).catch((err: unknown) => {
      log.error({ err }, 'worker shutdown failed');
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // The banner last: whoever waits for it may signal at once, and the handlers are in place by then.
  process.stdout.write(
    `screenline worker\n  database  ${store.describe()}\n  queue     ${queue.describe()}\n  jobs      ${names.length ? names.join(', ') : '(none registered yet)'}\n  scorer    ${adapters.scorer}\n  email     ${adapters.email}\n  metrics   ${metricsLine}\n`,
  );
  return -1;
}
