import cluster from 'node:cluster';
import type { Config } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { handleSignals, installProcessFaultHandlers, startServer, type RunningServer } from '../server.js';
import { runPrimary, servingPlan } from '../cluster/supervisor.js';

export async function serve(config: Config): Promise<number> {
  const log = createLogger(config.logLevel);
  const plan = servingPlan(config);
  // Both cores: this process becomes the cluster primary and its workers serve (src/cluster/supervisor.ts).
  if (cluster.isPrimary && plan.processes > 1) return runPrimary(config, plan, log);
  // Signals are handled from the first moment, not once the banner is out: a SIGTERM that lands while the process
  // starts (or right after the banner, before the next line runs) waits for the start and then drains.
  let started: (server: RunningServer) => void = () => undefined;
  let failed: (err: unknown) => void = () => undefined;
  const running = new Promise<RunningServer>((resolve, reject) => ((started = resolve), (failed = reject)));
  running.catch(() => undefined); // a failed start is reported by the throw below
  handleSignals({ shutdown: (reason) => running.then((s) => s.shutdown(reason)) }, config);
  let server: RunningServer;
  try {
    // Only outside production and only without a Deepgram key is the simulator module even loaded.
    const simulation = config.nodeEnv !== 'production' && !config.deepgram.apiKey ? await (await import('./local-mode.js')).localSimulation(config, log) : undefined;
    server = await startServer(config, { logger: log, simulation });
    started(server);
  } catch (err) {
    failed(err);
    throw err;
  }
  if (cluster.isWorker) {
    process.stdout.write(`  process    cluster worker #${cluster.worker?.id}, one of ${plan.processes} (pid ${process.pid})\n`);
    // The IPC channel to the primary must not keep a drained worker alive: like a single process, it exits by itself.
    process.channel?.unref();
    // The primary went away (killed): nobody would restart us or forward the drain, so drain now.
    process.once('disconnect', () => {
      server.shutdown('cluster primary gone').catch((err: unknown) => log.error({ err }, 'shutdown failed'));
    });
  } else if (plan.reason) process.stdout.write(`  processes  1: ${plan.reason}\n`);
  installProcessFaultHandlers(server, config, log);
  return -1;
}
