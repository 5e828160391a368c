/** Single-use, short-lived tokens that admit one Twilio Media Stream for one interview and one CallSid. */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { notFound } from '../../lib/errors.js';
import { isUuid, pgErrorCode, PG_FOREIGN_KEY_VIOLATION, type Db } from '../db.js';
import { streamTokens } from '../schema.js';
import { sha256Hex } from '../../lib/secrets.js';

export const DEFAULT_STREAM_TOKEN_TTL_MS = 120_000;

export type StreamTokenError = 'unknown' | 'expired' | 'used' | 'wrong_call';
export type ConsumeStreamTokenResult = { interviewId: string } | { error: StreamTokenError };

export interface StreamTokensRepo {
  /** A fresh plain token (only its hash is stored); AppError 404 if the interview does not exist. */
  issue(interviewId: string, callSid: string, ttlMs?: number): Promise<string>;
  /** Marks the token used, once. A wrong CallSid does not burn the token. */
  consume(plain: string, callSid: string): Promise<ConsumeStreamTokenResult>;
}

export function createStreamTokensRepo(db: Db): StreamTokensRepo {
  return {
    async issue(interviewId, callSid, ttlMs = DEFAULT_STREAM_TOKEN_TTL_MS) {
      if (!isUuid(interviewId)) throw notFound('interview', interviewId);
      const token = randomBytes(32).toString('base64url');
      try {
        // Expiry on the database clock, the same clock consume() compares against.
        await db.insert(streamTokens).values({
          tokenHash: sha256Hex(token),
          interviewId,
          callSid,
          expiresAt: sql`now() + ${Math.max(0, Math.trunc(ttlMs))}::double precision * interval '1 millisecond'`,
        });
      } catch (err) {
        if (pgErrorCode(err) === PG_FOREIGN_KEY_VIOLATION) throw notFound('interview', interviewId);
        throw err;
      }
      return token;
    },

    async consume(plain, callSid) {
      if (typeof plain !== 'string' || plain.length === 0 || plain.length > 200) return { error: 'unknown' };
      const tokenHash = sha256Hex(plain);
      const [won] = await db
        .update(streamTokens)
        .set({ usedAt: sql`now()` })
        .where(
          and(
            eq(streamTokens.tokenHash, tokenHash),
            isNull(streamTokens.usedAt),
            gt(streamTokens.expiresAt, sql`now()`),
            eq(streamTokens.callSid, callSid),
          ),
        )
        .returning({ interviewId: streamTokens.interviewId });
      if (won) return { interviewId: won.interviewId };

      // Lost: say why (for the log line and the close reason).
      const [row] = await db
        .select({
          usedAt: streamTokens.usedAt,
          callSid: streamTokens.callSid,
          expired: sql<boolean>`${streamTokens.expiresAt} <= now()`,
        })
        .from(streamTokens)
        .where(eq(streamTokens.tokenHash, tokenHash))
        .limit(1);
      if (!row) return { error: 'unknown' };
      if (row.usedAt) return { error: 'used' };
      if (row.expired) return { error: 'expired' };
      return { error: 'wrong_call' };
    },
  };
}
