/** Interviews with their candidate and role: creation, lookup, and compare-and-set status transitions. */
import { and, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { conflict } from '../../lib/errors.js';
import { isUuid, pgErrorCode, PG_UNIQUE_VIOLATION, type Db } from '../db.js';
import { candidates, interviews, roles, TERMINAL_STATUSES, type InterviewStatus } from '../schema.js';

export interface Candidate {
  id: string;
  name: string;
  phone: string;
  email: string | null;
  timezone: string | null;
  createdAt: Date;
}

export interface Role {
  id: string;
  title: string;
  level: string | null;
  description: string | null;
  createdAt: Date;
}

export interface InterviewView {
  id: string;
  tenantId: string;
  status: InterviewStatus;
  scheduledAt: Date | null;
  hiringManagerEmail: string | null;
  focus: string | null;
  rubricId: string | null;
  callSid: string | null;
  /** The interview stage the last call reached (null before any call). */
  stageReached: string | null;
  /** Last event seq written (0 = no events yet). */
  eventSeq: number;
  createdAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
  candidate: Candidate;
  role: Role;
}

export interface CreateInterviewInput {
  tenantId?: string;
  candidate: { name: string; phone: string; email?: string; timezone?: string };
  role: { title: string; level?: string; description?: string };
  hiringManagerEmail?: string;
  focus?: string;
  rubricId?: string;
  scheduledAt?: Date;
}

export interface ListInterviewsOptions {
  tenantId?: string;
  status?: InterviewStatus[];
  /** Default 50, max 500. Newest first. */
  limit?: number;
}

export interface InterviewsRepo {
  create(input: CreateInterviewInput): Promise<InterviewView>;
  /** Null when unknown, malformed, or in another tenant (when `tenantId` is given). */
  get(id: string, opts?: { tenantId?: string }): Promise<InterviewView | null>;
  list(opts?: ListInterviewsOptions): Promise<InterviewView[]>;
  /**
   * Compare-and-set on status. Applies only when the current status is in `from` (default: any status other than
   * `to`), so a repeated callback is a no-op that returns false. Terminal statuses set `ended_at` once.
   */
  transition(id: string, to: InterviewStatus, opts?: { from?: InterviewStatus[]; stageReached?: string }): Promise<boolean>;
  /** Sets the Twilio CallSid; false if the interview is unknown. A CallSid already on another interview → 409. */
  attachCallSid(id: string, callSid: string): Promise<boolean>;
  findByCallSid(callSid: string): Promise<InterviewView | null>;
  /** The most recent `scheduled` or `calling` interview whose candidate has this phone (E.164). */
  findScheduledByPhone(phone: string): Promise<InterviewView | null>;
}

type Row = {
  interview: typeof interviews.$inferSelect;
  candidate: typeof candidates.$inferSelect;
  role: typeof roles.$inferSelect;
};

function toView({ interview: i, candidate: c, role: r }: Row): InterviewView {
  return {
    id: i.id,
    tenantId: i.tenantId,
    status: i.status,
    scheduledAt: i.scheduledAt,
    hiringManagerEmail: i.hiringManagerEmail,
    focus: i.focus,
    rubricId: i.rubricId,
    callSid: i.callSid,
    stageReached: i.stageReached,
    eventSeq: i.eventSeq,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    endedAt: i.endedAt,
    candidate: { id: c.id, name: c.name, phone: c.phone, email: c.email, timezone: c.timezone, createdAt: c.createdAt },
    role: { id: r.id, title: r.title, level: r.level, description: r.description, createdAt: r.createdAt },
  };
}

export function createInterviewsRepo(db: Db): InterviewsRepo {
  const selectViews = () =>
    db
      .select({ interview: interviews, candidate: candidates, role: roles })
      .from(interviews)
      .innerJoin(candidates, eq(candidates.id, interviews.candidateId))
      .innerJoin(roles, eq(roles.id, interviews.roleId));

  const findOne = async (where: SQL | undefined): Promise<InterviewView | null> => {
    const rows = await selectViews().where(where).orderBy(desc(interviews.createdAt)).limit(1);
    return rows[0] ? toView(rows[0]) : null;
  };

  return {
    async create(input) {
      const tenantId = input.tenantId ?? 'default';
      return db.transaction(async (tx) => {
        const [candidate] = await tx
          .insert(candidates)
          .values({
            tenantId,
            name: input.candidate.name,
            phone: input.candidate.phone,
            email: input.candidate.email ?? null,
            timezone: input.candidate.timezone ?? null,
          })
          .returning();
        const [role] = await tx
          .insert(roles)
          .values({
            tenantId,
            title: input.role.title,
            level: input.role.level ?? null,
            description: input.role.description ?? null,
          })
          .returning();
        const [interview] = await tx
          .insert(interviews)
          .values({
            tenantId,
            candidateId: candidate!.id,
            roleId: role!.id,
            status: 'scheduled',
            scheduledAt: input.scheduledAt ?? null,
            hiringManagerEmail: input.hiringManagerEmail ?? null,
            focus: input.focus ?? null,
            rubricId: input.rubricId ?? null,
          })
          .returning();
        return toView({ interview: interview!, candidate: candidate!, role: role! });
      });
    },

    async get(id, opts = {}) {
      if (!isUuid(id)) return null;
      const byTenant = opts.tenantId === undefined ? undefined : eq(interviews.tenantId, opts.tenantId);
      return findOne(and(eq(interviews.id, id), byTenant));
    },

    async list(opts = {}) {
      const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 500);
      const rows = await selectViews()
        .where(
          and(
            opts.tenantId === undefined ? undefined : eq(interviews.tenantId, opts.tenantId),
            opts.status?.length ? inArray(interviews.status, opts.status) : undefined,
          ),
        )
        .orderBy(desc(interviews.createdAt), desc(interviews.id))
        .limit(limit);
      return rows.map(toView);
    },

    async transition(id, to, opts = {}) {
      if (!isUuid(id)) return false;
      if (opts.from && opts.from.length === 0) return false;
      const terminal = TERMINAL_STATUSES.includes(to);
      const rows = await db
        .update(interviews)
        .set({
          status: to,
          updatedAt: sql`now()`,
          ...(opts.stageReached !== undefined ? { stageReached: opts.stageReached } : {}),
          ...(terminal ? { endedAt: sql`coalesce(${interviews.endedAt}, now())` } : {}),
        })
        .where(
          and(
            eq(interviews.id, id),
            opts.from ? inArray(interviews.status, opts.from) : ne(interviews.status, to),
          ),
        )
        .returning({ id: interviews.id });
      return rows.length > 0;
    },

    async attachCallSid(id, callSid) {
      if (!isUuid(id)) return false;
      try {
        const rows = await db
          .update(interviews)
          .set({ callSid, updatedAt: sql`now()` })
          .where(eq(interviews.id, id))
          .returning({ id: interviews.id });
        return rows.length > 0;
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) {
          throw conflict('call_sid_in_use', `CallSid ${callSid} is already attached to another interview`);
        }
        throw err;
      }
    },

    async findByCallSid(callSid) {
      return findOne(eq(interviews.callSid, callSid));
    },

    async findScheduledByPhone(phone) {
      return findOne(and(eq(candidates.phone, phone), inArray(interviews.status, ['scheduled', 'calling'])));
    },
  };
}
