/**
 * Scores, reports and the email outbox. Each unit of work is one row with a unique key; a worker claims it by a
 * conditional upsert/update (the same job may re-claim its own row at once after a crash, any other claimant only
 * once the lease has run out), writes the result, and only then causes side effects.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { isUuid, rowsOf, type Db } from '../db.js';
import { answerScores, emailOutbox, interviewRubrics, interviewScores, reports } from '../schema-scoring.js';

export type Claim<T> = { state: 'claimed'; id: string } | { state: 'done'; id: string; value: T } | { state: 'busy'; id: string };

export interface WorkKey {
  interviewId: string;
  rubricId: string;
  rubricVersion: number;
  scorerVersion: string;
}

export interface ScorerMeta {
  model: string | null;
  promptVersion: string;
  temperature: number | null;
}

export type InterviewScoreRow = typeof interviewScores.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;
export type OutboxRow = typeof emailOutbox.$inferSelect;

export interface ScoringRepo {
  /** Pins the interview's rubric the first time; returns the pinned one (which may differ from `rubric`). */
  pinRubric(interviewId: string, rubric: { id: string; version: number; hash: string }): Promise<{ rubricId: string; rubricVersion: number; rubricHash: string; created: boolean }>;
  getPinnedRubric(interviewId: string): Promise<{ rubricId: string; rubricVersion: number; rubricHash: string } | null>;

  claimAnswer(key: WorkKey & { questionKey: string }, claimant: string, leaseMs: number, meta: ScorerMeta): Promise<Claim<Record<string, unknown>>>;
  /** False when the claim was lost (another claimant finished first). */
  completeAnswer(id: string, claimant: string, result: Record<string, unknown>): Promise<boolean>;
  failAnswer(id: string, claimant: string, error: string): Promise<void>;
  answerResults(key: WorkKey): Promise<{ questionKey: string; result: Record<string, unknown> }[]>;

  claimInterviewScore(key: WorkKey & { revision: number }, claimant: string, leaseMs: number, meta: ScorerMeta): Promise<Claim<Record<string, unknown>>>;
  completeInterviewScore(id: string, claimant: string, scorecard: Record<string, unknown>, band: string): Promise<boolean>;
  failInterviewScore(id: string, claimant: string, error: string): Promise<void>;
  getInterviewScore(id: string): Promise<InterviewScoreRow | null>;
  /** The newest finished scorecard of an interview. */
  latestInterviewScore(interviewId: string): Promise<InterviewScoreRow | null>;
  maxRevision(interviewId: string): Promise<number>;
  countInterviewScores(interviewId: string): Promise<number>;

  /** One report per score: a second insert returns the first row. */
  addReport(input: { interviewId: string; interviewScoreId: string; artifactId: string }): Promise<{ row: ReportRow; created: boolean }>;
  reportForScore(interviewScoreId: string): Promise<ReportRow | null>;
  getReport(id: string): Promise<ReportRow | null>;
  latestReport(interviewId: string): Promise<ReportRow | null>;
  countReports(interviewId: string): Promise<number>;

  /** One outbox row per report. */
  ensureOutbox(input: { interviewId: string; reportId: string; toAddress: string; subject: string }): Promise<OutboxRow>;
  /** pending (or a lapsed/own `sending`) → sending; null when already sent, failed, or held by someone else. */
  claimOutbox(reportId: string, claimant: string, leaseMs: number): Promise<OutboxRow | null>;
  markSent(id: string, claimant: string, sent: { provider: string; providerMessageId: string | null; location: string | null }): Promise<boolean>;
  /** Back to pending (to retry) or failed for good. */
  releaseOutbox(id: string, claimant: string, error: string, final: boolean): Promise<void>;
  outboxForReport(reportId: string): Promise<OutboxRow | null>;
  outboxForInterview(interviewId: string): Promise<OutboxRow[]>;
}

type RawClaim = { id: string; status: string; claimed_by: string | null; result?: unknown; scorecard?: unknown };
const parseJson = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : (v as Record<string, unknown>));

export function createScoringRepo(db: Db): ScoringRepo {
  const one = async <T>(q: Promise<T[]>): Promise<T | null> => (await q)[0] ?? null;

  return {
    async pinRubric(interviewId, rubric) {
      const inserted = await db
        .insert(interviewRubrics)
        .values({ interviewId, rubricId: rubric.id, rubricVersion: rubric.version, rubricHash: rubric.hash })
        .onConflictDoNothing()
        .returning();
      if (inserted[0]) return { ...inserted[0], created: true };
      const row = (await db.select().from(interviewRubrics).where(eq(interviewRubrics.interviewId, interviewId)).limit(1))[0]!;
      return { rubricId: row.rubricId, rubricVersion: row.rubricVersion, rubricHash: row.rubricHash, created: false };
    },

    async getPinnedRubric(interviewId) {
      if (!isUuid(interviewId)) return null;
      return one(db.select().from(interviewRubrics).where(eq(interviewRubrics.interviewId, interviewId)).limit(1));
    },

    async claimAnswer(key, claimant, leaseMs, meta) {
      const result = await db.execute(sql`
        INSERT INTO answer_scores (interview_id, question_key, rubric_id, rubric_version, scorer_version, status, claimed_by, claimed_at, model, prompt_version, temperature)
        VALUES (${key.interviewId}, ${key.questionKey}, ${key.rubricId}, ${key.rubricVersion}, ${key.scorerVersion}, 'claimed', ${claimant}, now(), ${meta.model}, ${meta.promptVersion}, ${meta.temperature === null ? null : String(meta.temperature)})
        ON CONFLICT (interview_id, question_key, rubric_id, rubric_version, scorer_version) DO UPDATE
          SET status = 'claimed', claimed_by = excluded.claimed_by, claimed_at = now(), error = NULL
          WHERE answer_scores.status <> 'done'
            AND (answer_scores.status = 'failed' OR answer_scores.claimed_by = excluded.claimed_by
                 OR answer_scores.claimed_at < now() - make_interval(secs => ${leaseMs / 1000}))
        RETURNING id, status, claimed_by`);
      const claimed = rowsOf<RawClaim>(result)[0];
      if (claimed) return { state: 'claimed', id: claimed.id };
      const row = (
        await db
          .select()
          .from(answerScores)
          .where(
            and(
              eq(answerScores.interviewId, key.interviewId),
              eq(answerScores.questionKey, key.questionKey),
              eq(answerScores.rubricId, key.rubricId),
              eq(answerScores.rubricVersion, key.rubricVersion),
              eq(answerScores.scorerVersion, key.scorerVersion),
            ),
          )
          .limit(1)
      )[0]!;
      return row.status === 'done' && row.result ? { state: 'done', id: row.id, value: row.result } : { state: 'busy', id: row.id };
    },

    async completeAnswer(id, claimant, value) {
      const rows = await db
        .update(answerScores)
        .set({ status: 'done', result: value, completedAt: sql`now()` })
        .where(and(eq(answerScores.id, id), eq(answerScores.claimedBy, claimant), eq(answerScores.status, 'claimed')))
        .returning({ id: answerScores.id });
      return rows.length > 0;
    },

    async failAnswer(id, claimant, error) {
      await db
        .update(answerScores)
        .set({ status: 'failed', error: error.slice(0, 2000) })
        .where(and(eq(answerScores.id, id), eq(answerScores.claimedBy, claimant), eq(answerScores.status, 'claimed')));
    },

    async answerResults(key) {
      const rows = await db
        .select({ questionKey: answerScores.questionKey, result: answerScores.result })
        .from(answerScores)
        .where(
          and(
            eq(answerScores.interviewId, key.interviewId),
            eq(answerScores.rubricId, key.rubricId),
            eq(answerScores.rubricVersion, key.rubricVersion),
            eq(answerScores.scorerVersion, key.scorerVersion),
            eq(answerScores.status, 'done'),
          ),
        );
      return rows.filter((r) => r.result).map((r) => ({ questionKey: r.questionKey, result: r.result! }));
    },

    async claimInterviewScore(key, claimant, leaseMs, meta) {
      const result = await db.execute(sql`
        INSERT INTO interview_scores (interview_id, rubric_id, rubric_version, scorer_version, revision, status, claimed_by, claimed_at, model, prompt_version, temperature)
        VALUES (${key.interviewId}, ${key.rubricId}, ${key.rubricVersion}, ${key.scorerVersion}, ${key.revision}, 'claimed', ${claimant}, now(), ${meta.model}, ${meta.promptVersion}, ${meta.temperature === null ? null : String(meta.temperature)})
        ON CONFLICT (interview_id, rubric_id, rubric_version, scorer_version, revision) DO UPDATE
          SET status = 'claimed', claimed_by = excluded.claimed_by, claimed_at = now(), error = NULL
          WHERE interview_scores.status <> 'done'
            AND (interview_scores.status = 'failed' OR interview_scores.claimed_by = excluded.claimed_by
                 OR interview_scores.claimed_at < now() - make_interval(secs => ${leaseMs / 1000}))
        RETURNING id, status, claimed_by`);
      const claimed = rowsOf<RawClaim>(result)[0];
      if (claimed) return { state: 'claimed', id: claimed.id };
      const row = (
        await db
          .select()
          .from(interviewScores)
          .where(
            and(
              eq(interviewScores.interviewId, key.interviewId),
              eq(interviewScores.rubricId, key.rubricId),
              eq(interviewScores.rubricVersion, key.rubricVersion),
              eq(interviewScores.scorerVersion, key.scorerVersion),
              eq(interviewScores.revision, key.revision),
            ),
          )
          .limit(1)
      )[0]!;
      return row.status === 'done' && row.scorecard ? { state: 'done', id: row.id, value: parseJson(row.scorecard) } : { state: 'busy', id: row.id };
    },

    async completeInterviewScore(id, claimant, scorecard, band) {
      const rows = await db
        .update(interviewScores)
        .set({ status: 'done', scorecard, band, completedAt: sql`now()` })
        .where(and(eq(interviewScores.id, id), eq(interviewScores.claimedBy, claimant), eq(interviewScores.status, 'claimed')))
        .returning({ id: interviewScores.id });
      return rows.length > 0;
    },

    async failInterviewScore(id, claimant, error) {
      await db
        .update(interviewScores)
        .set({ status: 'failed', error: error.slice(0, 2000) })
        .where(and(eq(interviewScores.id, id), eq(interviewScores.claimedBy, claimant), eq(interviewScores.status, 'claimed')));
    },

    async getInterviewScore(id) {
      if (!isUuid(id)) return null;
      return one(db.select().from(interviewScores).where(eq(interviewScores.id, id)).limit(1));
    },

    async latestInterviewScore(interviewId) {
      if (!isUuid(interviewId)) return null;
      return one(
        db
          .select()
          .from(interviewScores)
          .where(and(eq(interviewScores.interviewId, interviewId), eq(interviewScores.status, 'done')))
          .orderBy(desc(interviewScores.completedAt), desc(interviewScores.revision))
          .limit(1),
      );
    },

    async maxRevision(interviewId) {
      const rows = await db
        .select({ max: sql<number | null>`max(${interviewScores.revision})` })
        .from(interviewScores)
        .where(eq(interviewScores.interviewId, interviewId));
      return Number(rows[0]?.max ?? 0);
    },

    async countInterviewScores(interviewId) {
      const rows = await db.select({ n: sql<number>`count(*)` }).from(interviewScores).where(eq(interviewScores.interviewId, interviewId));
      return Number(rows[0]?.n ?? 0);
    },

    async addReport(input) {
      const inserted = await db.insert(reports).values(input).onConflictDoNothing().returning();
      if (inserted[0]) return { row: inserted[0], created: true };
      const row = (await db.select().from(reports).where(eq(reports.interviewScoreId, input.interviewScoreId)).limit(1))[0]!;
      return { row, created: false };
    },

    async reportForScore(interviewScoreId) {
      return one(db.select().from(reports).where(eq(reports.interviewScoreId, interviewScoreId)).limit(1));
    },

    async getReport(id) {
      if (!isUuid(id)) return null;
      return one(db.select().from(reports).where(eq(reports.id, id)).limit(1));
    },

    async latestReport(interviewId) {
      if (!isUuid(interviewId)) return null;
      return one(db.select().from(reports).where(eq(reports.interviewId, interviewId)).orderBy(desc(reports.createdAt)).limit(1));
    },

    async countReports(interviewId) {
      const rows = await db.select({ n: sql<number>`count(*)` }).from(reports).where(eq(reports.interviewId, interviewId));
      return Number(rows[0]?.n ?? 0);
    },

    async ensureOutbox(input) {
      await db.insert(emailOutbox).values(input).onConflictDoNothing();
      return (await db.select().from(emailOutbox).where(eq(emailOutbox.reportId, input.reportId)).limit(1))[0]!;
    },

    async claimOutbox(reportId, claimant, leaseMs) {
      const rows = await db
        .update(emailOutbox)
        .set({ status: 'sending', claimedBy: claimant, claimedAt: sql`now()`, attempts: sql`${emailOutbox.attempts} + 1` })
        .where(
          and(
            eq(emailOutbox.reportId, reportId),
            sql`(${emailOutbox.status} = 'pending' OR (${emailOutbox.status} = 'sending' AND (${emailOutbox.claimedBy} = ${claimant} OR ${emailOutbox.claimedAt} < now() - make_interval(secs => ${leaseMs / 1000}))))`,
          ),
        )
        .returning();
      return rows[0] ?? null;
    },

    async markSent(id, claimant, sent) {
      const rows = await db
        .update(emailOutbox)
        .set({ status: 'sent', provider: sent.provider, providerMessageId: sent.providerMessageId, location: sent.location, sentAt: sql`now()`, lastError: null })
        .where(and(eq(emailOutbox.id, id), eq(emailOutbox.claimedBy, claimant), eq(emailOutbox.status, 'sending')))
        .returning({ id: emailOutbox.id });
      return rows.length > 0;
    },

    async releaseOutbox(id, claimant, error, final) {
      await db
        .update(emailOutbox)
        .set({ status: final ? 'failed' : 'pending', lastError: error.slice(0, 2000) })
        .where(and(eq(emailOutbox.id, id), eq(emailOutbox.claimedBy, claimant), eq(emailOutbox.status, 'sending')));
    },

    async outboxForReport(reportId) {
      return one(db.select().from(emailOutbox).where(eq(emailOutbox.reportId, reportId)).limit(1));
    },

    async outboxForInterview(interviewId) {
      if (!isUuid(interviewId)) return [];
      return db.select().from(emailOutbox).where(eq(emailOutbox.interviewId, interviewId)).orderBy(desc(emailOutbox.createdAt));
    },
  };
}
