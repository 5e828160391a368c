/**
 * The service logger: JSON lines (pino) with stable correlation fields (requestId, interviewId, callSid, replyId,
 * jobId). In a terminal outside production the same lines are pretty-printed (pino-pretty) for people to read.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentLogContext } from './log-context.js';

export type { Logger };

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'screenline' },
    // The running job's or reply's ids on every line written inside it (a copy: pino merges into what we return).
    mixin: () => {
      const ids = currentLogContext();
      return ids ? { ...ids } : {};
    },
    // Never let a credential reach a log line, whatever object it rides in on.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-twilio-signature"]',
        'req.headers["x-screenline-signature"]',
        'req.headers.signature',
        'req.headers["ashby-signature"]',
        'headers.authorization',
        'headers.cookie',
        'headers["x-twilio-signature"]',
        'token',
        'secret',
        'signature',
        '*.apiKey',
        '*.authToken',
        '*.token',
        '*.secret',
        '*.password',
        '*.signature',
        '*.streamToken',
        '*.apiToken',
        '*.sessionSecret',
        '*.customParameters',
      ],
      censor: '[redacted]',
    },
    // Candidate links carry their token in the path: log the route, never the token.
    serializers: { req: serializeRequest },
  };
}

/** Paths whose second segment is a bearer-like link token (workspace, practice line, candidate pages). */
const TOKEN_PATH = /^\/(w|practice|c)\/(?!assets\/|pyodide\/)[^/?#]+/;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_PATH, '/$1/[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url ?? ''), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

export interface CreateLoggerOptions {
  /** Pretty-print: default when stdout is a terminal and NODE_ENV is not production. */
  pretty?: boolean;
}

export function createLogger(level = 'info', opts: CreateLoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  const stream = pretty ? prettyStream() : undefined;
  return stream ? pino(loggerOptions(level), stream) : pino(loggerOptions(level));
}

/** pino-pretty as a synchronous stream (no worker thread); a dev dependency, so absent from production images. */
function prettyStream(): DestinationStream | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pretty = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true });
  } catch {
    return undefined;
  }
}

/** The slice of a logger that infrastructure code needs; pino and Fastify's logger both fit. */
export interface LogSink {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
