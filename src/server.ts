/**
 * Listen, print what is live, and drain on SIGTERM/SIGINT: mark not ready, let live work finish up to
 * DRAIN_TIMEOUT_MS, close plugins in order (database last), and let the process exit by itself.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOverrides } from './app.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './lib/logger.js';
import { currentCallIds } from './lib/call-context.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Drains and closes; resolves when everything is closed. Safe to call twice. */
  shutdown(reason: string): Promise<void>;
}

export function banner(app: FastifyInstance, config: Config, url: string): string {
  const lines = [`screenline listening on ${url} (public URL ${config.publicUrl})`];
  const width = Math.max(...[...app.adapters.keys()].map((k) => k.length));
  for (const [port, adapter] of app.adapters) lines.push(`  ${port.padEnd(width)}  ${adapter}`);
  const local = app.localApiToken;
  if (local?.created) lines.push(`  API token (new, saved to ${local.path}; shown once): ${local.value}`);
  else if (local) lines.push(`  API token: see ${local.path}`);
  return lines.join('\n');
}

export async function startServer(config: Config, overrides: AppOverrides = {}): Promise<RunningServer> {
  const log = overrides.logger ?? createLogger(config.logLevel);
  const app = await buildApp(config, { ...overrides, logger: log });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  process.stdout.write(banner(app, config, url) + '\n');

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      log.info({ reason, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
      app.draining = true;
      await app.close();
      log.info('closed');
    })();
    return closing;
  };
  return { app, url, shutdown };
}

/** Wires SIGTERM/SIGINT to a drain; a second signal exits at once. */
export function handleSignals(server: Pick<RunningServer, 'shutdown'>, config: Config): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    // Last resort if something refuses to close; unref'd so it never keeps a clean exit waiting.
    setTimeout(() => {
      process.stderr.write(`drain exceeded ${config.drainTimeoutMs + 5000} ms: exiting\n`);
      process.exit(1);
    }, config.drainTimeoutMs + 5000).unref();
    server.shutdown(signal).then(
      () => {
        process.exitCode = 0;
      },
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/**
 * Defence in depth behind per-call containment. An unhandled rejection is a bug in some call's code: log it with
 * that call's ids, count it, keep serving. An uncaught exception leaves the process in an unknown state: stop
 * taking calls, drain the live ones (up to DRAIN_TIMEOUT_MS) and exit non-zero so the supervisor restarts us.
 */
export function installProcessFaultHandlers(server: Pick<RunningServer, 'app' | 'shutdown'>, config: Config, log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason, ...currentCallIds() }, 'unhandled promise rejection: the process keeps serving');
    server.app.metrics.unhandledRejections.inc();
    server.app.metrics.errors.inc({ type: 'unhandled_rejection' });
  });
  let crashing = false;
  process.on('uncaughtException', (err, origin) => {
    log.fatal({ err, origin, ...currentCallIds() }, 'uncaught exception: draining live calls, then exiting for a restart');
    process.exitCode = 1;
    if (crashing) return;
    crashing = true;
    setTimeout(() => process.exit(1), config.drainTimeoutMs + 5000).unref();
    server.shutdown('uncaughtException').then(
      () => process.exit(1),
      () => process.exit(1),
    );
  });
}
