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
