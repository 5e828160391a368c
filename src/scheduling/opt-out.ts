/**
 * Consent revoked: one record per organisation and phone number, checked before every call and every text. An
 * opt-out cancels every planned call of that number in the organisation and is an event on each interview.
 */
import { and, eq } from 'drizzle-orm';
import type { Store } from '../store/store.js';
import { appendEvent } from '../store/events/index.js';
import { candidates, interviews } from '../store/schema.js';
import { optOuts } from '../store/schema-scheduling.js';
import { schedulingRepo, type OptOutSource } from './repo.js';
import { maskPhone } from '../workspace/sms.js';

/**
 * Opt-out words: the CTIA/Twilio standard set (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) and the FCC's
 * "reasonable means" examples (REVOKE, OPT OUT), matched as the whole message like carriers do.
 */
export const OPT_OUT_WORDS = ['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT', 'OPT-OUT'];
export const OPT_IN_WORDS = ['START', 'UNSTOP', 'YES'];

const normalise = (body: string) => body.trim().replace(/[\s.!]+$/g, '').replace(/\s+/g, ' ').toUpperCase();

/** The opt-out word an inbound text is, if it is one ("stop", "Stop.", " STOP ALL "). */
export function optOutKeyword(body: string): string | undefined {
  const t = normalise(body);
  return OPT_OUT_WORDS.find((w) => w === t);
}

export function optInKeyword(body: string): string | undefined {
  const t = normalise(body);
  return OPT_IN_WORDS.find((w) => w === t);
}

/** In the register for any organisation (every organisation texts from the same number). */
export async function optedOutAnywhere(store: Store, phone: string): Promise<boolean> {
  const rows = await store.db.select({ phone: optOuts.phone }).from(optOuts).where(eq(optOuts.phone, phone)).limit(1);
  return rows.length > 0;
}

export async function isOptedOut(store: Store, tenantId: string, phone: string): Promise<boolean> {
  return (await schedulingRepo(store.db).optedOut(tenantId, phone)) !== null;
}

/** Interviews of this number in this organisation (newest first). */
export async function interviewIdsForPhone(store: Store, tenantId: string, phone: string): Promise<{ id: string; status: string }[]> {
  return store.db
    .select({ id: interviews.id, status: interviews.status })
    .from(interviews)
    .innerJoin(candidates, eq(candidates.id, interviews.candidateId))
    .where(and(eq(candidates.phone, phone), eq(interviews.tenantId, tenantId)));
}

export async function recordOptOut(
  store: Store,
  input: { tenantId: string; phone: string; source: OptOutSource; keyword?: string; interviewId?: string },
): Promise<{ created: boolean; interviews: string[] }> {
  const repo = schedulingRepo(store.db);
  const { created } = await repo.optOut(input);
  const affected = await interviewIdsForPhone(store, input.tenantId, input.phone);
  for (const i of affected) {
    const row = await repo.cancelPending(i.id);
    // A planned interview is over when its candidate says stop; finished ones keep their status.
    if (i.status === 'scheduled' || row) await store.interviews.transition(i.id, 'canceled', { from: ['scheduled', 'no_answer', 'busy', 'failed', 'voicemail', 'incomplete', 'interrupted'] });
    if (created || row) {
      await appendEvent(store, i.id, 'candidate.opted_out', {
        source: input.source,
        keyword: input.keyword ?? null,
        to: maskPhone(input.phone),
        canceledScheduledCall: Boolean(row),
      });
    }
  }
  return { created, interviews: affected.map((i) => i.id) };
}

export async function recordOptIn(store: Store, input: { tenantId: string; phone: string; keyword: string }): Promise<boolean> {
  const removed = await schedulingRepo(store.db).optIn(input.tenantId, input.phone);
  if (removed) {
    for (const i of await interviewIdsForPhone(store, input.tenantId, input.phone)) {
      await appendEvent(store, i.id, 'candidate.opted_in', { to: maskPhone(input.phone), keyword: input.keyword });
    }
  }
  return removed;
}

/** Tenants whose interviews this number has (an inbound text does not say which organisation it answers). */
export async function tenantsForPhone(store: Store, phone: string): Promise<string[]> {
  const rows = await store.db
    .selectDistinct({ tenantId: interviews.tenantId })
    .from(interviews)
    .innerJoin(candidates, eq(candidates.id, interviews.candidateId))
    .where(eq(candidates.phone, phone));
  return rows.map((r) => r.tenantId);
}
