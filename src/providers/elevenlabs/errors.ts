/** Translates ElevenLabs HTTP (fetch) and WebSocket failures into ProviderErrors. */
import { ProviderError, kindForStatus } from '../errors.js';

export const PROVIDER = 'elevenlabs';

/** The human part of an ElevenLabs error body: `{detail:{status,message}}`, `{detail:[{msg}]}` or `{detail:"…"}`. */
export function detailMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return detailMessage(JSON.parse(body)) ?? body.slice(0, 200);
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  if (!body || typeof body !== 'object') return undefined;
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const first = detail[0] as { msg?: unknown } | undefined;
    return typeof first?.msg === 'string' ? first.msg : undefined;
  }
  if (detail && typeof detail === 'object') {
    const { message, status } = detail as { message?: unknown; status?: unknown };
    if (typeof message === 'string') return typeof status === 'string' ? `${status}: ${message}` : message;
  }
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

export function errorForStatus(status: number, body: unknown, cause?: unknown): ProviderError {
  const message = detailMessage(body) ?? `HTTP ${status}`;
  return new ProviderError(PROVIDER, kindForStatus(status), `${status} ${message}`, { status, cause });
}

/** Any error thrown while calling the HTTP stream endpoint or reading its body. */
export function mapHttpError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  // fetch itself: a TypeError('fetch failed') whose cause is the socket error (refused, reset, DNS).
  // Reading the body after the headers: undici throws TypeError('terminated') when the connection drops.
  return new ProviderError(PROVIDER, 'connection', errorText(err), { cause: err });
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err.cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

/** A stream-input socket closed before `isFinal`. */
export function errorForClose(code: number, reason: string): ProviderError {
  const text = `socket closed ${code}${reason ? ` ${reason}` : ''} before the final message`;
  switch (code) {
    case 1006:
      return new ProviderError(PROVIDER, 'connection', text);
    case 1008: // policy: quota, invalid key in the Init message, inactivity timeout
      return new ProviderError(PROVIDER, /key|auth|unauthori[sz]ed/i.test(reason) ? 'auth' : 'bad_request', text);
    case 1011:
      return new ProviderError(PROVIDER, 'server', text);
    case 1013:
      return new ProviderError(PROVIDER, 'rate_limit', text);
    case 1000:
    case 1005:
      return new ProviderError(PROVIDER, 'protocol', text);
    default:
      return new ProviderError(PROVIDER, 'connection', text);
  }
}

export function connectionError(err: unknown): ProviderError {
  return new ProviderError(PROVIDER, 'connection', errorText(err), { cause: err });
}
