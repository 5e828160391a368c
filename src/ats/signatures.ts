/**
 * Each vendor's webhook signature, verified over the exact bytes received, in constant time, failing closed when
 * no secret is configured. docs/ats.md describes the schemes; reference/ats-and-compliance.md has the sources.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; reason: string };

const hmacHex = (secret: string, data: string | Buffer) => createHmac('sha256', secret).update(data).digest('hex');

/** Constant-time equality of two hex digests (a wrong length is refused up front: it leaks nothing secret). */
function hexEqual(expected: string, given: string): boolean {
  if (!/^[0-9a-f]+$/i.test(given) || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

const header = (headers: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const noSecret: Verdict = { ok: false, reason: 'no webhook secret is configured for this organisation and vendor' };

/** Greenhouse: `Signature: sha256 <hex>`, HMAC-SHA256 of the raw body. The prefix is stripped before comparing. */
export function verifyGreenhouse(raw: Buffer, headers: Record<string, string | string[] | undefined>, secret: string | undefined): Verdict {
  if (!secret) return noSecret;
  const given = header(headers, 'signature');
  if (!given) return { ok: false, reason: 'missing Signature header' };
  const m = /^sha256[ =]([0-9a-fA-F]{64})$/.exec(given.trim());
  if (!m) return { ok: false, reason: 'Signature header is not "sha256 <hex>"' };
  return hexEqual(hmacHex(secret, raw), m[1]!) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** Ashby: `Ashby-Signature: sha256=<hex>`, HMAC-SHA256 of the raw body. */
export function verifyAshby(raw: Buffer, headers: Record<string, string | string[] | undefined>, secret: string | undefined): Verdict {
  if (!secret) return noSecret;
  const given = header(headers, 'ashby-signature');
  if (!given) return { ok: false, reason: 'missing Ashby-Signature header' };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(given.trim());
  if (!m) return { ok: false, reason: 'Ashby-Signature header is not "sha256=<hex>"' };
  return hexEqual(hmacHex(secret, raw), m[1]!) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/**
 * Lever: body fields `token`, `triggeredAt` (ms) and `signature` = hex(HMAC-SHA256(signatureToken, token +
 * triggeredAt)); a `triggeredAt` further than `toleranceMs` from now is a replay.
 */
export function verifyLever(body: { token?: unknown; triggeredAt?: unknown; signature?: unknown }, secret: string | undefined, nowMs: number, toleranceMs: number): Verdict {
  if (!secret) return noSecret;
  const { token, triggeredAt, signature } = body;
  if (typeof token !== 'string' || !token || typeof signature !== 'string' || (typeof triggeredAt !== 'number' && typeof triggeredAt !== 'string')) {
    return { ok: false, reason: 'missing token, triggeredAt or signature' };
  }
  if (!hexEqual(hmacHex(secret, `${token}${triggeredAt}`), signature)) return { ok: false, reason: 'signature does not match' };
  const at = Number(triggeredAt);
  if (!Number.isFinite(at) || Math.abs(nowMs - at) > toleranceMs) return { ok: false, reason: 'triggeredAt is outside the replay window' };
  return { ok: true };
}

/**
 * Ours (generic): `X-Screenline-Timestamp: <unix seconds>` and `X-Screenline-Signature: sha256=<hex>` where hex =
 * HMAC-SHA256(secret, `${timestamp}.${rawBody}`); a timestamp further than `toleranceMs` from now is a replay.
 */
export function verifyScreenline(raw: Buffer, headers: Record<string, string | string[] | undefined>, secret: string | undefined, nowMs: number, toleranceMs: number): Verdict {
  if (!secret) return noSecret;
  const ts = header(headers, 'x-screenline-timestamp');
  const given = header(headers, 'x-screenline-signature');
  if (!ts || !given) return { ok: false, reason: 'missing X-Screenline-Timestamp or X-Screenline-Signature header' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'X-Screenline-Timestamp is not unix seconds' };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(given.trim());
  if (!m) return { ok: false, reason: 'X-Screenline-Signature is not "sha256=<hex>"' };
  const expected = createHmac('sha256', secret).update(`${ts}.`).update(raw).digest('hex');
  if (!hexEqual(expected, m[1]!)) return { ok: false, reason: 'signature does not match' };
  if (Math.abs(nowMs - Number(ts) * 1000) > toleranceMs) return { ok: false, reason: 'timestamp is outside the replay window' };
  return { ok: true };
}

/** Signs a body the way `verifyScreenline` checks it (our result callbacks use the same scheme). */
export function signScreenline(secret: string, body: string, nowMs: number): { timestamp: string; signature: string } {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { timestamp, signature: `sha256=${hmacHex(secret, `${timestamp}.${body}`)}` };
}
