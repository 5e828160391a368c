/** The service logger: JSON lines (pino) with stable correlation fields. */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'screenline' },
    // Never let a credential reach a log line, whatever object it rides in on.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-twilio-signature"]',
        'headers.authorization',
        '*.apiKey',
        '*.authToken',
        '*.token',
      ],
      censor: '[redacted]',
    },
  };
}

export function createLogger(level = 'info'): Logger {
  return pino(loggerOptions(level));
}

/** The slice of a logger that infrastructure code needs; pino and Fastify's logger both fit. */
export interface LogSink {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
