/** Recruiter API bearer tokens: shown once, stored as sha256, revocable, tenant-scoped. */
import { randomBytes } from 'node:crypto';
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { isUuid, type Db } from '../db.js';
import { apiTokens } from '../schema.js';
import { sha256Hex } from '../../lib/secrets.js';

export const API_TOKEN_PREFIX = 'sl_';
/** `last_used_at` is refreshed at most this often, so verifying is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiTokensRepo {
  /** Returns the plain token once; only its hash is kept. */
  issue(label: string, tenantId?: string): Promise<{ id: string; token: string }>;
  /** Null for unknown, malformed or revoked tokens. */
  verify(plain: string): Promise<{ id: string; tenantId: string } | null>;
  /** True if the token existed and was not already revoked. */
  revoke(id: string): Promise<boolean>;
  /** Number of active (not revoked) tokens. */
  count(): Promise<number>;
}

export function createApiTokensRepo(db: Db): ApiTokensRepo {
  return {
    async issue(label, tenantId = 'default') {
      const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const [row] = await db
        .insert(apiTokens)
        .values({ label, tenantId, tokenHash: sha256Hex(token) })
        .returning({ id: apiTokens.id });
      return { id: row!.id, token };
    },

    async verify(plain) {
      if (typeof plain !== 'string' || !plain.startsWith(API_TOKEN_PREFIX) || plain.length > 200) return null;
      const [row] = await db
        .select({ id: apiTokens.id, tenantId: apiTokens.tenantId, lastUsedAt: apiTokens.lastUsedAt })
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, sha256Hex(plain)), isNull(apiTokens.revokedAt)))
        .limit(1);
      if (!row) return null;
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
        await db
          .update(apiTokens)
          .set({ lastUsedAt: sql`now()` })
          .where(
            and(
              eq(apiTokens.id, row.id),
              sql`(${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - interval '1 minute')`,
            ),
          );
      }
      return { id: row.id, tenantId: row.tenantId };
    },

    async revoke(id) {
      if (!isUuid(id)) return false;
      const rows = await db
        .update(apiTokens)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
        .returning({ id: apiTokens.id });
      return rows.length > 0;
    },

    async count() {
      const [row] = await db.select({ n: count() }).from(apiTokens).where(isNull(apiTokens.revokedAt));
      return Number(row?.n ?? 0);
    },
  };
}
