/**
 * The dashboard's session cookie value: the API token the recruiter signed in with, the session's CSRF token and
 * its expiry, sealed with AES-256-GCM (confidential and tamper-evident). The token is re-verified on every request,
 * so a revoked token ends the session; nothing about the session is kept on the server.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface SessionData {
  /** The API token (bearer) the session stands for. */
  token: string;
  /** Double-submit / synchronizer value the page must echo in `x-csrf-token` on state-changing requests. */
  csrf: string;
  /** ms since the epoch. */
  expiresAt: number;
}

const VERSION = 'v1';

export class SessionSeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    // Any length of secret → a 256-bit key; the label keeps this key apart from other uses of the same secret.
    this.key = createHash('sha256').update('screenline dashboard session\0').update(secret).digest();
  }

  seal(data: SessionData): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ t: data.token, c: data.csrf, e: data.expiresAt }), 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** Null for anything forged, tampered with, malformed or expired. */
  open(value: string, nowMs = Date.now()): SessionData | null {
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(parts[1]!, 'base64url'));
      decipher.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(parts[2]!, 'base64url')), decipher.final()]).toString('utf8');
      const raw = JSON.parse(plain) as { t?: unknown; c?: unknown; e?: unknown };
      if (typeof raw.t !== 'string' || typeof raw.c !== 'string' || typeof raw.e !== 'number') return null;
      if (raw.e <= nowMs) return null;
      return { token: raw.t, csrf: raw.c, expiresAt: raw.e };
    } catch {
      return null;
    }
  }
}
