/**
 * Typed provider errors. Adapters translate vendor errors into these so the voice core and the fallback wrappers
 * decide on `kind` and `retryable`, never on a vendor's message text.
 */
export type ProviderErrorKind =
  | 'connection' // could not connect, or the connection dropped
  | 'timeout' // no first token/byte in time, or a stall mid-stream
  | 'rate_limit' // 429
  | 'server' // 5xx
  | 'auth' // 401/403: a configuration problem, never retried
  | 'bad_request' // 4xx other than the above
  | 'protocol'; // the vendor sent something we could not understand

export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly status?: number;

  constructor(
    provider: string,
    kind: ProviderErrorKind,
    message: string,
    opts: { status?: number; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`${provider}: ${message}`, { cause: opts.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.status = opts.status;
    this.retryable = opts.retryable ?? (kind !== 'auth' && kind !== 'bad_request');
  }
}

/** Maps an HTTP status to an error kind (shared by every HTTP-based adapter). */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'bad_request';
}
