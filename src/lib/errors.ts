/**
 * Application errors. Routes map `statusCode` straight to the HTTP answer; `code` is a stable machine-readable
 * name; `expose` says the message is safe to show a caller (never a stack, never vendor internals).
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly expose: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown>; expose?: boolean } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.statusCode = statusCode;
    this.code = code;
    this.expose = opts.expose ?? statusCode < 500;
    this.details = opts.details;
  }
}

export const notFound = (what: string, id: string) => new AppError(404, 'not_found', `${what} ${id} was not found`);
export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'bad_request', message, { details });
export const conflict = (code: string, message: string) => new AppError(409, code, message);

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
