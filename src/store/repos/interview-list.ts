/**
 * The recruiter's interview list: filter (status, candidate name, created between), keyset paging (newest first,
 * an opaque cursor), and per row the next call time and the latest decision band (the rolling one while a call
 * is being scored, the final one after). One query for the page, one for the bands of that page.
 */
import { and, desc, eq, gte, ilike, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { badRequest } from '../../lib/errors.js';
import { rowsOf, type Db } from '../db.js';
import { candidates, interviews, roles, type InterviewStatus } from '../schema.js';

export interface InterviewListFilter {
  tenantId: string;
  status?: InterviewStatus[];
  /** Part of the candidate's name, case-insensitive. */
  q?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string;
}

export interface InterviewListRow {
  id: string;
  status: InterviewStatus;
  candidate: { id: string; name: string };
  role: { title: string; level: string | null };
  createdAt: Date;
  endedAt: Date | null;
  stageReached: string | null;
  nextCallAt: Date | null;
  decision: { band: string; bandLabel: string; final: boolean } | null;
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) throw badRequest('cursor is not one this API handed out', { field: 'querystring.cursor' });
  return { createdAt, id };
}

/** Statuses whose `scheduledAt` is a call still to come. */
const PENDING: InterviewStatus[] = ['scheduled', 'calling'];

export async function listInterviews(db: Db, f: InterviewListFilter): Promise<{ rows: InterviewListRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(f.limit ?? 50), 1), 200);
  const after = f.cursor ? decodeCursor(f.cursor) : undefined;
  // LIKE wildcards in the search are the candidate's text, not patterns.
  const q = f.q?.trim().replace(/[\\%_]/g, (c) => `\\${c}`);
  const where: (SQL | undefined)[] = [
    eq(interviews.tenantId, f.tenantId),
    f.status?.length ? inArray(interviews.status, f.status) : undefined,
    q ? ilike(candidates.name, `%${q}%`) : undefined,
    f.from ? gte(interviews.createdAt, f.from) : undefined,
    f.to ? lt(interviews.createdAt, f.to) : undefined,
    after
      ? or(lt(interviews.createdAt, after.createdAt), and(eq(interviews.createdAt, after.createdAt), lt(interviews.id, after.id)))
      : undefined,
  ];
  const rows = await db
    .select({ interview: interviews, candidate: { id: candidates.id, name: candidates.name }, role: { title: roles.title, level: roles.level } })
    .from(interviews)
    .innerJoin(candidates, eq(candidates.id, interviews.candidateId))
    .innerJoin(roles, eq(roles.id, interviews.roleId))
    .where(and(...where))
    .orderBy(desc(interviews.createdAt), desc(interviews.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const bands = await latestBands(db, page.map((r) => r.interview.id));
  const out = page.map(({ interview: i, candidate, role }): InterviewListRow => ({
    id: i.id,
    status: i.status,
    candidate,
    role,
    createdAt: i.createdAt,
    endedAt: i.endedAt,
    stageReached: i.stageReached,
    nextCallAt: PENDING.includes(i.status) ? i.scheduledAt : null,
    decision: bands.get(i.id) ?? null,
  }));
  const last = page.at(-1);
  return { rows: out, nextCursor: rows.length > limit && last ? encodeCursor(last.interview.createdAt, last.interview.id) : null };
}

async function latestBands(db: Db, ids: string[]): Promise<Map<string, { band: string; bandLabel: string; final: boolean }>> {
  const out = new Map<string, { band: string; bandLabel: string; final: boolean }>();
  if (ids.length === 0) return out;
  const result = await db.execute(sql`
    SELECT DISTINCT ON (interview_id) interview_id, payload->>'band' AS band, payload->>'bandLabel' AS band_label, payload->>'final' AS final
    FROM events
    WHERE type = 'decision.updated' AND interview_id IN (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})
    ORDER BY interview_id, seq DESC`);
  for (const r of rowsOf<{ interview_id: string; band: string | null; band_label: string | null; final: string | null }>(result)) {
    if (r.band) out.set(r.interview_id, { band: r.band, bandLabel: r.band_label ?? r.band, final: r.final === 'true' });
  }
  return out;
}
