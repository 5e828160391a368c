/** The `live_calls` heartbeat rows in use-case terms: register, beat (all of a process's calls at once), claim stale. */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import { liveCalls } from '../../store/schema-recovery.js';

export type LiveCallRow = typeof liveCalls.$inferSelect;

export function liveCallsRepo(db: Db) {
  return {
    /** A call started in this process (a row left by an earlier call of the same interview is taken over). */
    async register(row: { interviewId: string; tenantId: string; callSid: string; processId: string; stage?: string }): Promise<void> {
      const values = { ...row, stage: row.stage ?? null, startedAt: sql`now()`, heartbeatAt: sql`now()` };
      await db
        .insert(liveCalls)
        .values(values)
        .onConflictDoUpdate({ target: liveCalls.interviewId, set: { callSid: row.callSid, processId: row.processId, stage: values.stage, startedAt: sql`now()`, heartbeatAt: sql`now()` } });
    },

    /** One statement per beat for every call this process holds: the stage and the time. */
    async beat(processId: string, calls: { interviewId: string; stage: string }[]): Promise<number> {
      if (calls.length === 0) return 0;
      const ids = calls.map((c) => c.interviewId);
      const cases = sql.join(
        calls.map((c) => sql`when ${liveCalls.interviewId} = ${c.interviewId}::uuid then ${c.stage}`),
        sql` `,
      );
      const rows = await db
        .update(liveCalls)
        .set({ heartbeatAt: sql`now()`, stage: sql`case ${cases} else ${liveCalls.stage} end` })
        .where(and(eq(liveCalls.processId, processId), inArray(liveCalls.interviewId, ids)))
        .returning({ id: liveCalls.interviewId });
      return rows.length;
    },

    /** The call ended here: its row goes (only if it is still this process's). */
    async remove(interviewId: string, processId: string): Promise<void> {
      await db.delete(liveCalls).where(and(eq(liveCalls.interviewId, interviewId), eq(liveCalls.processId, processId)));
    },

    /**
     * Claims the rows whose heartbeat is older than `staleAfterMs`: the delete is the claim, so two sweepers (two
     * processes) never both recover one call.
     */
    async claimStale(staleAfterMs: number): Promise<LiveCallRow[]> {
      const cutoff = sql`now() - (${staleAfterMs} * interval '1 millisecond')`;
      return db.delete(liveCalls).where(lt(liveCalls.heartbeatAt, cutoff)).returning();
    },

    async list(): Promise<LiveCallRow[]> {
      return db.select().from(liveCalls);
    },
  };
}
