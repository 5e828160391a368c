/** The interview row's side of scheduling: reopen it as `scheduled` with the planned time. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { candidates, interviews, type InterviewStatus } from '../store/schema.js';

/**
 * Compare-and-set to `scheduled` with `scheduled_at`, from one of `from`. A retry after busy / no-answer reopens
 * a finished attempt, so `ended_at` is cleared (the voice webhook refuses ended interviews; the next dial attaches
 * its own CallSid).
 */
export async function setScheduled(db: Db, interviewId: string, at: Date, from: readonly InterviewStatus[]): Promise<boolean> {
  const rows = await db
    .update(interviews)
    .set({ status: 'scheduled', scheduledAt: at, endedAt: null, updatedAt: sql`now()` })
    .where(and(eq(interviews.id, interviewId), inArray(interviews.status, [...from])))
    .returning({ id: interviews.id });
  return rows.length > 0;
}

/** A zone the ATS or the recruiter gave is kept on the candidate, so every later decision uses it. */
export async function rememberTimezone(db: Db, candidateId: string, zone: string): Promise<void> {
  await db.update(candidates).set({ timezone: zone }).where(eq(candidates.id, candidateId));
}

/** Only the planned time: a retry or callback keeps the last outcome (busy, no_answer, interrupted, …) on show. */
export async function setScheduledAt(db: Db, interviewId: string, at: Date, from: readonly InterviewStatus[]): Promise<boolean> {
  const rows = await db
    .update(interviews)
    .set({ scheduledAt: at, updatedAt: sql`now()` })
    .where(and(eq(interviews.id, interviewId), inArray(interviews.status, [...from])))
    .returning({ id: interviews.id });
  return rows.length > 0;
}
