/**
 * Translates the openai SDK's errors into ProviderError so callers decide on `kind`/`retryable`, never on SDK
 * classes or message text. Aborts are not mapped here: the adapter checks who aborted before calling this.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import { ProviderError, kindForStatus } from '../errors.js';
import type { ProviderErrorKind } from '../errors.js';

export const PROVIDER = 'openai';

export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  // Order matters: the timeout class extends the connection class, and both extend APIError.
  if (err instanceof APIConnectionTimeoutError) {
    return new ProviderError(PROVIDER, 'timeout', 'request timed out', { cause: err });
  }
  if (err instanceof APIConnectionError) {
    return new ProviderError(PROVIDER, 'connection', `connection failed: ${err.message}`, { cause: err });
  }
  if (err instanceof APIUserAbortError) {
    // Reached only when our own (internal) controller aborted without a timeout flag: treat as a dropped link.
    return new ProviderError(PROVIDER, 'connection', 'request aborted', { cause: err });
  }
  if (err instanceof APIError) {
    if (typeof err.status === 'number') {
      return new ProviderError(PROVIDER, kindForStatus(err.status), `HTTP ${err.status}: ${err.message}`, {
        status: err.status,
        cause: err,
      });
    }
    // An `error` object inside the SSE stream (no HTTP status): the server gave up mid-reply.
    return new ProviderError(PROVIDER, kindFromErrorCode(err.code, err.type), `stream error: ${err.message}`, {
      cause: err,
    });
  }
  if (err instanceof SyntaxError) {
    return new ProviderError(PROVIDER, 'protocol', `unparseable data: ${err.message}`, { cause: err });
  }
  if (err instanceof OpenAIError) {
    return new ProviderError(PROVIDER, 'protocol', err.message, { cause: err });
  }
  // undici surfaces a socket dropped mid-body as `TypeError: terminated` (cause: "other side closed").
  if (err instanceof TypeError) {
    return new ProviderError(PROVIDER, 'connection', `connection dropped: ${describe(err)}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(PROVIDER, 'protocol', message, { cause: err });
}

export function kindFromErrorCode(code: string | null | undefined, type: string | undefined): ProviderErrorKind {
  const text = `${code ?? ''} ${type ?? ''}`;
  if (/rate_limit/.test(text)) return 'rate_limit';
  if (/invalid_request|invalid_api_key/.test(text)) return 'bad_request';
  return 'server';
}

/** An error's message with its cause's, for provider error texts. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
