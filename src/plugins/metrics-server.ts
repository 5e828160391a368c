/**
 * A bare listener that serves one Prometheus registry at GET /metrics and nothing else: the web process's
 * METRICS_PORT listener (plugins/metrics.ts) and the worker's WORKER_METRICS_PORT one (commands/worker.ts).
 */
import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import type { LogSink } from '../lib/logger.js';
import { safeEqual } from '../lib/secrets.js';

export interface MetricsServerOptions {
  registry: Registry;
  /** 0 picks a free port (the bound one is returned). */
  port: number;
  host?: string;
  /** Unset: any scrape that reaches the port is answered (keep it on a private network). */
  token?: string;
  log: Pick<LogSink, 'error'>;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Whether an Authorization header carries exactly this bearer token (compared in constant time). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return !!match && safeEqual(match[1]!, token);
}

export async function serveMetrics(opts: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, token, log } = opts;
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found","message":"only GET /metrics here"}');
    } else if (token && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","message":"GET /metrics needs Authorization: Bearer <METRICS_TOKEN>"}');
    } else {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
        (err: unknown) => {
          log.error({ err }, 'metrics scrape failed');
          res.writeHead(500).end();
        },
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A listener fault after start is logged, not thrown (an unhandled 'error' event would end the process).
  server.on('error', (err) => log.error({ err }, 'metrics listener error'));
  const address = server.address();
  let closing: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    // Idempotent; resolves once open connections are gone (idle keep-alive ones are closed at once).
    close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
