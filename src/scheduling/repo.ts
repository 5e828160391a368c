/** Scheduling rows in use-case terms: planned dials (claimed once), the opt-out register, candidate links. */
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, desc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { isUuid, pgErrorCode } from '../store/db.js';
import { candidateLinks, optOuts, scheduledCalls, type ScheduledCallStatus } from '../store/schema-scheduling.js';

export type ScheduledCall = typeof scheduledCalls.$inferSelect;
export type OptOut = typeof optOuts.$inferSelect;
export type OptOutSource = 'sms' | 'spoken' | 'link' | 'api';

export interface NewScheduledCall {
  interviewId: string;
  tenantId: string;
  dueAt: Date;
  reason: string;
  attempt: number;
  timezone: string;
  resumeFromStage?: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function schedulingRepo(db: Db) {
  return {
    /** Supersedes any pending row of the interview and inserts the new one, in one transaction. */
    async plan(input: NewScheduledCall): Promise<ScheduledCall> {
      return db.transaction(async (tx) => {
        await tx
          .update(scheduledCalls)
          .set({ status: 'superseded', updatedAt: sql`now()` })
          .where(and(eq(scheduledCalls.interviewId, input.interviewId), eq(scheduledCalls.status, 'pending')));
        const id = randomUUIDv4();
        const [row] = await tx
          .insert(scheduledCalls)
          .values({ id, jobId: `dial-${id}`, ...input, resumeFromStage: input.resumeFromStage ?? null })
          .returning();
        return row!;
      });
    },

    async get(id: string): Promise<ScheduledCall | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(scheduledCalls).where(eq(scheduledCalls.id, id));
      return row ?? null;
    },

    async pendingFor(interviewId: string): Promise<ScheduledCall | null> {
      const [row] = await db
        .select()
        .from(scheduledCalls)
        .where(and(eq(scheduledCalls.interviewId, interviewId), eq(scheduledCalls.status, 'pending')));
      return row ?? null;
    },

    /** The newest row of the interview, whatever its status (to count attempts). */
    async latestFor(interviewId: string): Promise<ScheduledCall | null> {
      const [row] = await db
        .select()
        .from(scheduledCalls)
        .where(eq(scheduledCalls.interviewId, interviewId))
        .orderBy(desc(scheduledCalls.createdAt), desc(scheduledCalls.attempt))
        .limit(1);
      return row ?? null;
    },

    /** Compare-and-set pending → claimed: only one worker (or poller) ever dials a row. */
    async claim(id: string): Promise<ScheduledCall | null> {
      if (!isUuid(id)) return null;
      const [row] = await db
        .update(scheduledCalls)
        .set({ status: 'claimed', claimedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(scheduledCalls.id, id), eq(scheduledCalls.status, 'pending')))
        .returning();
      return row ?? null;
    },

    async finish(id: string, status: Extract<ScheduledCallStatus, 'done' | 'canceled'>): Promise<void> {
      await db.update(scheduledCalls).set({ status, updatedAt: sql`now()` }).where(eq(scheduledCalls.id, id));
    },

    /** Cancels the interview's pending row; returns it when there was one. */
    async cancelPending(interviewId: string): Promise<ScheduledCall | null> {
      const [row] = await db
        .update(scheduledCalls)
        .set({ status: 'canceled', updatedAt: sql`now()` })
        .where(and(eq(scheduledCalls.interviewId, interviewId), eq(scheduledCalls.status, 'pending')))
        .returning();
      return row ?? null;
    },

    /** Pending rows due by `at`, oldest first. */
    async due(at: Date, limit = 100): Promise<ScheduledCall[]> {
      return db
        .select()
        .from(scheduledCalls)
        .where(and(eq(scheduledCalls.status, 'pending'), lte(scheduledCalls.dueAt, at)))
        .orderBy(asc(scheduledCalls.dueAt))
        .limit(limit);
    },

    async optOut(input: { tenantId: string; phone: string; source: OptOutSource; keyword?: string; interviewId?: string }): Promise<{ created: boolean }> {
      const rows = await db
        .insert(optOuts)
        .values({ tenantId: input.tenantId, phone: input.phone, source: input.source, keyword: input.keyword ?? null, interviewId: input.interviewId ?? null })
        .onConflictDoNothing()
        .returning({ phone: optOuts.phone });
      return { created: rows.length > 0 };
    },

    async optedOut(tenantId: string, phone: string): Promise<OptOut | null> {
      const [row] = await db.select().from(optOuts).where(and(eq(optOuts.tenantId, tenantId), eq(optOuts.phone, phone)));
      return row ?? null;
    },

    /** START / UNSTOP: consent given again by the same number. */
    async optIn(tenantId: string, phone: string): Promise<boolean> {
      const rows = await db.delete(optOuts).where(and(eq(optOuts.tenantId, tenantId), eq(optOuts.phone, phone))).returning({ phone: optOuts.phone });
      return rows.length > 0;
    },

    /** A fresh candidate link; the plain token is returned once and only its hash is stored. */
    async issueLink(input: { interviewId: string; tenantId: string; expiresAt: Date }): Promise<{ token: string; linkId: string }> {
      const token = randomBytes(32).toString('base64url');
      await db.insert(candidateLinks).values({ tokenHash: hash(token), ...input });
      return { token, linkId: hash(token).slice(0, 12) };
    },

    /** The link's interview when the token is known and not expired (touches last_used_at). */
    async resolveLink(token: string, now: Date): Promise<{ interviewId: string; tenantId: string; linkId: string } | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const h = hash(token);
      const [row] = await db
        .update(candidateLinks)
        .set({ lastUsedAt: sql`now()` })
        .where(and(eq(candidateLinks.tokenHash, h), gt(candidateLinks.expiresAt, now)))
        .returning();
      return row ? { interviewId: row.interviewId, tenantId: row.tenantId, linkId: h.slice(0, 12) } : null;
    },
  };
}

export type SchedulingRepo = ReturnType<typeof schedulingRepo>;

function randomUUIDv4(): string {
  return globalThis.crypto.randomUUID();
}

/** Postgres "relation does not exist": an optional table (organisations) not there yet. */
export const isMissingTable = (err: unknown) => pgErrorCode(err) === '42P01';
