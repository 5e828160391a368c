/** Workspace links (hashed tokens, one interview each) and the resumable page state. */
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { notFound } from '../../lib/errors.js';
import { sha256Hex } from '../../lib/secrets.js';
import { isUuid, pgErrorCode, PG_FOREIGN_KEY_VIOLATION, type Db } from '../db.js';
import { interviews } from '../schema.js';
import { workspaceLinks, workspaceState } from '../schema-workspace.js';

/** Tokens are 32 random bytes, base64url: 43 characters. */
export const WORKSPACE_TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export type LinkRefusal = 'malformed' | 'unknown' | 'expired' | 'revoked' | 'ended';
export type LinkCheck =
  | { ok: true; interviewId: string; tenantId: string; linkId: string }
  | { ok: false; reason: LinkRefusal; interviewId?: string; linkId?: string };

export interface WorkspaceSurface {
  /** `board`: `problemId`/`problemVersion` name the design prompt (prompts/designs/). */
  kind: 'ide' | 'board';
  problemId: string;
  problemVersion: number;
}

export interface WorkspaceStateRow {
  surface: WorkspaceSurface | null;
  code: string | null;
  bindingCode: string | null;
  boundAt: Date | null;
}

export interface WorkspaceRepo {
  /** A fresh plain token for the interview (only its hash is stored). 404 if the interview does not exist. */
  issueLink(input: { interviewId: string; tenantId: string; reason: string; maxAgeMs: number }): Promise<{ token: string; linkId: string }>;
  /** Checks a token from a URL: shape, existence, revocation, expiry, interview end + grace. Counts the use. */
  checkLink(token: string, graceMs: number): Promise<LinkCheck>;
  /** The interview is over: every link expires at the latest `graceMs` from now. */
  expireLinks(interviewId: string, graceMs: number): Promise<number>;
  getState(interviewId: string): Promise<WorkspaceStateRow | null>;
  setSurface(interviewId: string, surface: WorkspaceSurface | null): Promise<void>;
  saveCode(interviewId: string, code: string): Promise<void>;
  setBindingCode(interviewId: string, code: string): Promise<void>;
  markBound(interviewId: string): Promise<void>;
}

/** A short, log-safe id for a link: the first 12 hex characters of its hash. */
export const linkIdOf = (tokenHash: string) => tokenHash.slice(0, 12);

export function createWorkspaceRepo(db: Db): WorkspaceRepo {
  const upsertState = async (interviewId: string, set: Partial<typeof workspaceState.$inferInsert>) => {
    await db
      .insert(workspaceState)
      .values({ interviewId, ...set })
      .onConflictDoUpdate({ target: workspaceState.interviewId, set: { ...set, updatedAt: sql`now()` } });
  };

  return {
    async issueLink({ interviewId, tenantId, reason, maxAgeMs }) {
      if (!isUuid(interviewId)) throw notFound('interview', interviewId);
      const token = randomBytes(32).toString('base64url');
      const tokenHash = sha256Hex(token);
      try {
        await db.insert(workspaceLinks).values({
          tokenHash,
          interviewId,
          tenantId,
          reason,
          expiresAt: sql`now() + ${Math.max(0, Math.trunc(maxAgeMs))}::double precision * interval '1 millisecond'`,
        });
      } catch (err) {
        if (pgErrorCode(err) === PG_FOREIGN_KEY_VIOLATION) throw notFound('interview', interviewId);
        throw err;
      }
      return { token, linkId: linkIdOf(tokenHash) };
    },

    async checkLink(token, graceMs) {
      if (typeof token !== 'string' || !WORKSPACE_TOKEN_RE.test(token)) return { ok: false, reason: 'malformed' };
      const tokenHash = sha256Hex(token);
      const linkId = linkIdOf(tokenHash);
      const [row] = await db
        .select({
          interviewId: workspaceLinks.interviewId,
          tenantId: workspaceLinks.tenantId,
          revoked: sql<boolean>`${workspaceLinks.revokedAt} is not null`,
          expired: sql<boolean>`${workspaceLinks.expiresAt} <= now()`,
          ended: sql<boolean>`${interviews.endedAt} is not null and ${interviews.endedAt} + ${Math.trunc(graceMs)}::double precision * interval '1 millisecond' <= now()`,
        })
        .from(workspaceLinks)
        .innerJoin(interviews, eq(interviews.id, workspaceLinks.interviewId))
        .where(eq(workspaceLinks.tokenHash, tokenHash))
        .limit(1);
      if (!row) return { ok: false, reason: 'unknown' };
      const refusal: LinkRefusal | undefined = row.revoked ? 'revoked' : row.ended ? 'ended' : row.expired ? 'expired' : undefined;
      if (refusal) return { ok: false, reason: refusal, interviewId: row.interviewId, linkId };
      await db
        .update(workspaceLinks)
        .set({ lastUsedAt: sql`now()`, useCount: sql`${workspaceLinks.useCount} + 1` })
        .where(eq(workspaceLinks.tokenHash, tokenHash));
      return { ok: true, interviewId: row.interviewId, tenantId: row.tenantId, linkId };
    },

    async expireLinks(interviewId, graceMs) {
      if (!isUuid(interviewId)) return 0;
      const rows = await db
        .update(workspaceLinks)
        .set({ expiresAt: sql`least(${workspaceLinks.expiresAt}, now() + ${Math.trunc(graceMs)}::double precision * interval '1 millisecond')` })
        .where(and(eq(workspaceLinks.interviewId, interviewId)))
        .returning({ tokenHash: workspaceLinks.tokenHash });
      return rows.length;
    },

    async getState(interviewId) {
      if (!isUuid(interviewId)) return null;
      const [row] = await db.select().from(workspaceState).where(eq(workspaceState.interviewId, interviewId)).limit(1);
      if (!row) return null;
      return { surface: row.surface ?? null, code: row.code, bindingCode: row.bindingCode, boundAt: row.boundAt };
    },

    setSurface: (interviewId, surface) => upsertState(interviewId, { surface }),
    saveCode: (interviewId, code) => upsertState(interviewId, { code, codeUpdatedAt: sql`now()` as unknown as Date }),
    setBindingCode: (interviewId, code) => upsertState(interviewId, { bindingCode: code }),
    markBound: (interviewId) => upsertState(interviewId, { boundAt: sql`now()` as unknown as Date }),
  };
}
