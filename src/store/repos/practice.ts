/** Practice-line links (hashed tokens, one interview each, claimed by one call). */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { notFound } from '../../lib/errors.js';
import { sha256Hex } from '../../lib/secrets.js';
import { isUuid, pgErrorCode, PG_FOREIGN_KEY_VIOLATION, type Db } from '../db.js';
import { practiceLinks } from '../schema-practice.js';

/** 32 random bytes, base64url: 43 characters (the shape is checked before any lookup). */
export const PRACTICE_TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export type PracticeRefusal = 'malformed' | 'unknown' | 'expired' | 'used';
export interface PracticeLink {
  interviewId: string;
  tenantId: string;
  linkId: string;
  expiresAt: Date;
  /** The CallSid of the practice call that claimed the link, once one has. */
  callSid: string | null;
}
export type PracticeCheck = ({ ok: true } & PracticeLink) | { ok: false; reason: PracticeRefusal; interviewId?: string; linkId?: string };

export interface PracticeRepo {
  issue(input: { interviewId: string; tenantId: string; maxAgeMs: number }): Promise<{ token: string; linkId: string; expiresAt: Date }>;
  /** A token from a URL: shape, existence, expiry. `allowClaimed` accepts a link a call has claimed (its own call's requests). */
  check(token: string, opts?: { allowClaimed?: boolean }): Promise<PracticeCheck>;
  /** Binds the link to the call about to start; fails (`used`) if another call claimed it first. */
  claim(token: string, callSid: string): Promise<PracticeCheck>;
}

export const practiceLinkId = (tokenHash: string) => tokenHash.slice(0, 12);

export function createPracticeRepo(db: Db): PracticeRepo {
  const lookup = async (tokenHash: string) => {
    const [row] = await db
      .select({
        interviewId: practiceLinks.interviewId,
        tenantId: practiceLinks.tenantId,
        expiresAt: practiceLinks.expiresAt,
        callSid: practiceLinks.callSid,
        expired: sql<boolean>`${practiceLinks.expiresAt} <= now()`,
      })
      .from(practiceLinks)
      .where(eq(practiceLinks.tokenHash, tokenHash))
      .limit(1);
    return row;
  };

  const check: PracticeRepo['check'] = async (token, opts = {}) => {
    if (typeof token !== 'string' || !PRACTICE_TOKEN_RE.test(token)) return { ok: false, reason: 'malformed' };
    const tokenHash = sha256Hex(token);
    const linkId = practiceLinkId(tokenHash);
    const row = await lookup(tokenHash);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.expired) return { ok: false, reason: 'expired', interviewId: row.interviewId, linkId };
    if (row.callSid !== null && !opts.allowClaimed) return { ok: false, reason: 'used', interviewId: row.interviewId, linkId };
    return { ok: true, interviewId: row.interviewId, tenantId: row.tenantId, linkId, expiresAt: row.expiresAt, callSid: row.callSid };
  };

  return {
    async issue({ interviewId, tenantId, maxAgeMs }) {
      if (!isUuid(interviewId)) throw notFound('interview', interviewId);
      const token = randomBytes(32).toString('base64url');
      const tokenHash = sha256Hex(token);
      try {
        const [row] = await db
          .insert(practiceLinks)
          .values({
            tokenHash,
            interviewId,
            tenantId,
            expiresAt: sql`now() + ${Math.max(0, Math.trunc(maxAgeMs))}::double precision * interval '1 millisecond'`,
          })
          .returning({ expiresAt: practiceLinks.expiresAt });
        return { token, linkId: practiceLinkId(tokenHash), expiresAt: row!.expiresAt };
      } catch (err) {
        if (pgErrorCode(err) === PG_FOREIGN_KEY_VIOLATION) throw notFound('interview', interviewId);
        throw err;
      }
    },

    check,

    async claim(token, callSid) {
      const first = await check(token);
      if (!first.ok) return first;
      const tokenHash = sha256Hex(token);
      // Only the first claim wins, even when two pages race.
      const rows = await db
        .update(practiceLinks)
        .set({ claimedAt: sql`now()`, callSid })
        .where(and(eq(practiceLinks.tokenHash, tokenHash), isNull(practiceLinks.callSid), gt(practiceLinks.expiresAt, sql`now()`)))
        .returning({ tokenHash: practiceLinks.tokenHash });
      if (rows.length === 0) return { ok: false, reason: 'used', interviewId: first.interviewId, linkId: first.linkId };
      return { ...first, callSid };
    },
  };
}
