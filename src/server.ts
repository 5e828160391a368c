/**
 * Listen, print what is live, and drain on SIGTERM/SIGINT: mark not ready, let live work finish up to
 * DRAIN_TIMEOUT_MS, close plugins in order (database last), and let the process exit by itself.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createLogger } from './lib/logger.js';

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

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const app = await buildApp(config, { logger: log });
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
