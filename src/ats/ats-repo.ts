/** Deliveries (dedup), application links (idempotent create) and the write-back outbox (claimed once). */
import { and, eq, lt, or, isNull, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { atsApplications, atsDeliveries, atsWritebacks, type AtsVendor } from '../store/schema-ats.js';
import type { AtsDelivery } from './normalize.js';
import { BatchItemError, microBatch } from '../lib/micro-batch.js';

export type DeliveryRow = typeof atsDeliveries.$inferSelect;
export type ApplicationRow = typeof atsApplications.$inferSelect;
export type WritebackRow = typeof atsWritebacks.$inferSelect;

/** The (organisation, vendor, event id) a delivery is deduplicated on. */
const deliveryKey = (tenantId: string, vendor: string, eventId: string) => `${tenantId}\u0000${vendor}\u0000${eventId}`;

export function createAtsRepo(db: Db) {
  // Deliveries that arrive together are inserted together (one statement, one round trip). ON CONFLICT DO NOTHING
  // also skips a second copy inside the same statement, so the first caller with a key gets its id and any other
  // gets null (a duplicate), exactly as one insert each would.
  type Item = { tenantId: string; d: AtsDelivery };
  const insert = async (items: Item[]): Promise<({ id: string } | null)[]> => {
    const rows = await db
      .insert(atsDeliveries)
      .values(items.map(({ tenantId, d }) => ({ tenantId, vendor: d.vendor, eventId: d.eventId, action: d.action, payload: d as unknown as Record<string, unknown> })))
      .onConflictDoNothing()
      .returning({ id: atsDeliveries.id, tenantId: atsDeliveries.tenantId, vendor: atsDeliveries.vendor, eventId: atsDeliveries.eventId });
    const inserted = new Map(rows.map((r) => [deliveryKey(r.tenantId, r.vendor, r.eventId), r.id]));
    return items.map(({ tenantId, d }) => {
      const key = deliveryKey(tenantId, d.vendor, d.eventId);
      const id = inserted.get(key);
      if (id === undefined) return null;
      inserted.delete(key);
      return { id };
    });
  };
  const record = microBatch<Item, { id: string } | null>(async (items) => {
    try {
      return await insert(items);
    } catch (err) {
      if (items.length === 1) throw err;
      // One bad row must not fail its neighbours: each goes again on its own, and only the bad one fails.
      const out: ({ id: string } | null | BatchItemError)[] = [];
      for (const item of items) out.push(await insert([item]).then((r) => r[0]!, (e: unknown) => new BatchItemError(e)));
      return out;
    }
  });

  return {
    /** Null when this (organisation, vendor, event id) was received before: a redelivery or a replay. */
    recordDelivery: (tenantId: string, d: AtsDelivery): Promise<{ id: string } | null> => record({ tenantId, d }),
    async delivery(id: string): Promise<DeliveryRow | null> {
      const [row] = await db.select().from(atsDeliveries).where(eq(atsDeliveries.id, id)).limit(1);
      return row ?? null;
    },
    async finishDelivery(id: string, status: 'processed' | 'ignored' | 'failed', opts: { interviewId?: string; detail?: string } = {}): Promise<void> {
      await db
        .update(atsDeliveries)
        .set({ status, interviewId: opts.interviewId ?? null, detail: opts.detail?.slice(0, 1000) ?? null, processedAt: sql`now()` })
        .where(eq(atsDeliveries.id, id));
    },
    async countDeliveries(tenantId?: string): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(atsDeliveries).where(tenantId ? eq(atsDeliveries.tenantId, tenantId) : undefined);
      return Number(row?.n ?? 0);
    },
    async application(tenantId: string, vendor: AtsVendor, applicationId: string): Promise<ApplicationRow | null> {
      const [row] = await db
        .select()
        .from(atsApplications)
        .where(and(eq(atsApplications.tenantId, tenantId), eq(atsApplications.vendor, vendor), eq(atsApplications.applicationId, applicationId)))
        .limit(1);
      return row ?? null;
    },
    async applicationForInterview(interviewId: string): Promise<ApplicationRow | null> {
      const [row] = await db.select().from(atsApplications).where(eq(atsApplications.interviewId, interviewId)).limit(1);
      return row ?? null;
    },
    async ensureWriteback(input: { interviewId: string; reportId: string; vendor: AtsVendor }): Promise<WritebackRow> {
      await db.insert(atsWritebacks).values(input).onConflictDoNothing();
      const [row] = await db
        .select()
        .from(atsWritebacks)
        .where(and(eq(atsWritebacks.reportId, input.reportId), eq(atsWritebacks.vendor, input.vendor)))
        .limit(1);
      return row!;
    },
    /** Claims the row for `claimant` unless it is sent, failed, or held by someone else within their lease. */
    async claimWriteback(id: string, claimant: string, leaseMs: number): Promise<WritebackRow | null> {
      const rows = await db
        .update(atsWritebacks)
        .set({ status: 'claimed', claimedBy: claimant, claimedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`, attempts: sql`${atsWritebacks.attempts} + 1` })
        .where(
          and(
            eq(atsWritebacks.id, id),
            or(eq(atsWritebacks.status, 'pending'), and(eq(atsWritebacks.status, 'claimed'), or(isNull(atsWritebacks.claimedUntil), lt(atsWritebacks.claimedUntil, sql`now()`)))),
          ),
        )
        .returning();
      return rows[0] ?? null;
    },
    async markWritebackSent(id: string, claimant: string, remoteId: string | null): Promise<boolean> {
      const rows = await db
        .update(atsWritebacks)
        .set({ status: 'sent', remoteId, sentAt: sql`now()`, claimedUntil: null })
        .where(and(eq(atsWritebacks.id, id), eq(atsWritebacks.claimedBy, claimant), eq(atsWritebacks.status, 'claimed')))
        .returning({ id: atsWritebacks.id });
      return rows.length > 0;
    },
    async releaseWriteback(id: string, claimant: string, error: string, final: boolean): Promise<void> {
      await db
        .update(atsWritebacks)
        .set({ status: final ? 'failed' : 'pending', lastError: error.slice(0, 1000), claimedUntil: null })
        .where(and(eq(atsWritebacks.id, id), eq(atsWritebacks.claimedBy, claimant)));
    },
    async writebacksFor(interviewId: string): Promise<WritebackRow[]> {
      return db.select().from(atsWritebacks).where(eq(atsWritebacks.interviewId, interviewId));
    },
  };
}

export type AtsRepo = ReturnType<typeof createAtsRepo>;
