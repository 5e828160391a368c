/**
 * The scoring pipeline's job bodies. At-least-once delivery, exactly-once effects: every step claims its own row
 * (unique key), writes its result, and only then triggers the next step, which is idempotent the same way. A step
 * that finds its work already done just triggers the next step again, so a crash between "write" and "enqueue"
 * loses nothing.
 */
import type { Store } from '../store/index.js';
import type { StoredEvent } from '../store/index.js';
import type { EventPayload, EventType } from '../store/events/index.js';
import { createScoringRepo, type ScoringRepo } from '../store/repos/scoring.js';
import type { JobContext, JobQueue } from '../jobs/queue.js';
import { UnrecoverableJobError } from '../jobs/queue.js';
import type { LogSink } from '../lib/logger.js';
import { errorMessage } from '../lib/errors.js';
import type { EmailSender } from '../providers/email.js';
import { EmailError } from '../providers/email.js';
import { renderScorecardPdf } from '../reports/scorecard-pdf.js';
import { composeScorecardEmail, scorecardSubject } from '../reports/email.js';
import type { Rubric, RubricRegistry } from './rubric.js';
import { dimensionsForStage, gatesForStage, ScoringError, type Scorer } from './scorer.js';
import { answeredStages, buildTranscript, type InterviewTranscript } from './transcript.js';
import { buildScorecard, decide, mergeDimensions, mergeGates } from './decision.js';
import type { Scorecard, StageScore } from './types.js';

export const JOB_NAMES = {
  scoreAnswer: 'score-answer',
  scoreInterview: 'score-interview',
  renderReport: 'render-report',
  sendReport: 'send-report',
} as const;

export const JOB_DEFAULTS = { attempts: 4, backoffMs: 2000 };
/** Handled by src/ats/jobs.ts (named here so scoring does not import the ATS module). */
export const ATS_WRITEBACK_JOB = 'ats.writeback';

export interface ScoringDeps {
  store: Store;
  log: LogSink;
  queue: JobQueue;
  scorer: Scorer;
  email: EmailSender;
  rubrics: RubricRegistry;
  from: { email: string; name?: string };
  publicUrl: string;
  /** How long another claimant must wait before taking over a claimed row. Default 5 min. */
  leaseMs?: number;
}

const assesses = (rubric: Rubric, stage: string) => dimensionsForStage(rubric, stage).length > 0 || gatesForStage(rubric, stage).length > 0;
const jobSafe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

export function repoOf(store: Store): ScoringRepo {
  const cache = store as Store & { __scoring?: ScoringRepo };
  cache.__scoring ??= createScoringRepo(store.db);
  return cache.__scoring;
}

async function append<T extends EventType>(store: Store, interviewId: string, type: T, payload: EventPayload<T>): Promise<void> {
  await store.events.append(interviewId, type, payload as Record<string, unknown>);
}

async function allEvents(store: Store, interviewId: string): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (;;) {
    const page = await store.events.list(interviewId, { afterSeq: out.at(-1)?.seq ?? 0, limit: 5000 });
    out.push(...page);
    if (page.length < 5000) return out;
  }
}

async function loadInterview(deps: ScoringDeps, interviewId: string) {
  const view = await deps.store.interviews.get(interviewId);
  if (!view) throw new UnrecoverableJobError(`interview ${interviewId} does not exist`);
  return view;
}

/** The interview's pinned rubric (pinning it now if this is the first scoring), or an explicit one for a rescore. */
export async function resolveRubric(deps: ScoringDeps, view: Awaited<ReturnType<typeof loadInterview>>, explicit?: string): Promise<Rubric> {
  if (explicit) {
    const r = deps.rubrics.get(explicit);
    if (!r) throw new UnrecoverableJobError(`rubric ${explicit} is not in rubrics/`);
    return r;
  }
  const repo = repoOf(deps.store);
  const pinned = await repo.getPinnedRubric(view.id);
  if (pinned) {
    const r = deps.rubrics.get(`${pinned.rubricId}@${pinned.rubricVersion}`);
    if (!r) throw new UnrecoverableJobError(`the interview is pinned to rubric ${pinned.rubricId}@${pinned.rubricVersion}, which is no longer in rubrics/`);
    if (r.hash !== pinned.rubricHash) {
      deps.log.warn({ interviewId: view.id, rubric: r.ref }, 'rubric file changed without a new version; scores keep the snapshot they were made with');
    }
    return r;
  }
  let rubric: Rubric;
  try {
    rubric = deps.rubrics.select(view.role, view.rubricId);
  } catch (err) {
    throw new UnrecoverableJobError(errorMessage(err), { cause: err });
  }
  const pin = await repo.pinRubric(view.id, rubric);
  if (pin.created) {
    await append(deps.store, view.id, 'score.rubric_selected', {
      rubricId: rubric.id,
      rubricVersion: rubric.version,
      rubricHash: rubric.hash,
      reason: view.rubricId ? `the interview asked for ${view.rubricId}` : `role "${view.role.title}" (${view.role.level ?? 'no level'})`,
    });
    return rubric;
  }
  return deps.rubrics.get(`${pin.rubricId}@${pin.rubricVersion}`) ?? rubric;
}

const keyOf = (interviewId: string, rubric: Rubric, scorer: Scorer) => ({
  interviewId,
  rubricId: rubric.id,
  rubricVersion: rubric.version,
  scorerVersion: scorer.info.version,
});
const metaOf = (scorer: Scorer) => ({ model: scorer.info.model, promptVersion: scorer.info.promptVersion, temperature: scorer.info.temperature });

/** Scores one stage once (per rubric version and scorer version); returns the stored result. */
async function ensureStageScore(
  deps: ScoringDeps,
  interviewId: string,
  rubric: Rubric,
  t: InterviewTranscript,
  stage: string,
  ctx: JobContext,
): Promise<{ score: StageScore; fresh: boolean }> {
  const repo = repoOf(deps.store);
  const claim = await repo.claimAnswer({ ...keyOf(interviewId, rubric, deps.scorer), questionKey: stage }, ctx.id, deps.leaseMs ?? 300_000, metaOf(deps.scorer));
  if (claim.state === 'done') return { score: claim.value as unknown as StageScore, fresh: false };
  if (claim.state === 'busy') throw new Error(`stage ${stage} of interview ${interviewId} is being scored by another worker; retrying later`);
  let score: StageScore;
  try {
    score = await deps.scorer.scoreStage({ rubric, transcript: t, stage, signal: ctx.signal });
  } catch (err) {
    if (err instanceof ScoringError && !err.retryable) {
      await repo.failAnswer(claim.id, ctx.id, err.message);
      throw new UnrecoverableJobError(err.message, { cause: err });
    }
    throw err;
  }
  // Results first: the row is the truth; the events below describe it.
  const won = await repo.completeAnswer(claim.id, ctx.id, score as unknown as Record<string, unknown>);
  if (!won) {
    const again = await repo.claimAnswer({ ...keyOf(interviewId, rubric, deps.scorer), questionKey: stage }, `${ctx.id}-reread`, 3_600_000, metaOf(deps.scorer));
    if (again.state === 'done') return { score: again.value as unknown as StageScore, fresh: false };
    throw new Error(`lost the claim on stage ${stage}`);
  }
  for (const r of score.rejected.slice(0, 25)) {
    await append(deps.store, interviewId, 'score.evidence_rejected', { stage, dimension: r.dimension, seq: r.seq, kind: r.kind, reason: r.reason });
  }
  await append(deps.store, interviewId, 'score.answer', {
    stage,
    answerSeqs: score.answerSeqs,
    rubricRef: rubric.ref,
    scorer: scorerPayload(deps.scorer),
    dimensions: score.dimensions.map((d) => ({ id: d.id, score: d.score })),
    gates: score.gates.map((g) => ({ id: g.id, result: g.result })),
    rejectedEvidence: score.rejected.length,
  });
  return { score, fresh: true };
}

const scorerPayload = (s: Scorer) => ({
  kind: s.info.kind,
  version: s.info.version,
  model: s.info.model,
  promptVersion: s.info.promptVersion,
  temperature: s.info.temperature,
});

async function recordDecision(deps: ScoringDeps, interviewId: string, rubric: Rubric, stages: StageScore[], t: InterviewTranscript, final: boolean): Promise<void> {
  const dims = mergeDimensions(rubric, stages);
  const gates = mergeGates(rubric, stages);
  const d = decide(rubric, dims, gates, t);
  await append(deps.store, interviewId, 'decision.updated', {
    band: d.band.id,
    bandLabel: d.band.label,
    confidence: d.confidence,
    weightedScore: d.weightedScore,
    coverage: d.coverage,
    dimensions: dims.map((x) => ({ id: x.id, score: x.score })),
    openGates: d.openGates,
    knockoutFailed: d.knockoutFailed,
    stagesScored: stages.map((s) => s.stage),
    final,
  });
}

async function storedStageScores(deps: ScoringDeps, interviewId: string, rubric: Rubric): Promise<StageScore[]> {
  const rows = await repoOf(deps.store).answerResults(keyOf(interviewId, rubric, deps.scorer));
  return rows.map((r) => r.result as unknown as StageScore);
}

// ---- jobs ----

export interface ScoreAnswerData {
  interviewId: string;
  stage: string;
}

export async function scoreAnswerJob(deps: ScoringDeps, data: ScoreAnswerData, ctx: JobContext): Promise<void> {
  if (!data || typeof data.interviewId !== 'string' || typeof data.stage !== 'string') throw new UnrecoverableJobError('score-answer needs { interviewId, stage }');
  const view = await loadInterview(deps, data.interviewId);
  const rubric = await resolveRubric(deps, view);
  // Stages the rubric does not assess (greeting, candidate questions, close) leave no score row.
  if (!assesses(rubric, data.stage)) return;
  const t = buildTranscript(await allEvents(deps.store, view.id));
  const { fresh } = await ensureStageScore(deps, view.id, rubric, t, data.stage, ctx);
  if (fresh) await recordDecision(deps, view.id, rubric, await storedStageScores(deps, view.id, rubric), t, false);
}

export interface ScoreInterviewData {
  interviewId: string;
  /** A rescore names its rubric (`id@version`) and revision; the end of a call uses the pinned rubric, revision 1. */
  rubric?: string;
  revision?: number;
  /** Email the hiring manager once the report is rendered (default true; a rescore chooses). */
  notify?: boolean;
}

export async function scoreInterviewJob(deps: ScoringDeps, data: ScoreInterviewData, ctx: JobContext): Promise<void> {
  if (!data || typeof data.interviewId !== 'string') throw new UnrecoverableJobError('score-interview needs { interviewId }');
  const view = await loadInterview(deps, data.interviewId);
  const rubric = await resolveRubric(deps, view, data.rubric);
  const revision = data.revision ?? 1;
  const repo = repoOf(deps.store);
  const claim = await repo.claimInterviewScore({ ...keyOf(view.id, rubric, deps.scorer), revision }, ctx.id, deps.leaseMs ?? 300_000, metaOf(deps.scorer));
  if (claim.state === 'busy') throw new Error(`interview ${view.id} is being scored by another worker; retrying later`);
  if (claim.state === 'claimed') {
    const t = buildTranscript(await allEvents(deps.store, view.id));
    const stages: StageScore[] = [];
    try {
      for (const stage of answeredStages(t).filter((s) => assesses(rubric, s))) stages.push((await ensureStageScore(deps, view.id, rubric, t, stage, ctx)).score);
    } catch (err) {
      if (err instanceof UnrecoverableJobError) await repo.failInterviewScore(claim.id, ctx.id, err.message);
      throw err;
    }
    const scorecard = buildScorecard(rubric, stages, t, {
      interviewId: view.id,
      revision,
      status: 'final',
      candidate: { name: view.candidate.name },
      role: { title: view.role.title, level: view.role.level },
      interviewStatus: view.status,
      scorer: deps.scorer.info,
    });
    const won = await repo.completeInterviewScore(claim.id, ctx.id, scorecard as unknown as Record<string, unknown>, scorecard.decision.band.id);
    if (won) {
      await append(deps.store, view.id, 'score.interview', {
        scoreId: claim.id,
        revision,
        rubricRef: rubric.ref,
        scorer: scorerPayload(deps.scorer),
        band: scorecard.decision.band.id,
        confidence: scorecard.decision.confidence,
        weightedScore: scorecard.decision.weightedScore,
      });
      await recordDecision(deps, view.id, rubric, stages, t, true);
    }
  }
  await deps.queue.enqueue<RenderReportData>(JOB_NAMES.renderReport, { scoreId: claim.id, notify: data.notify ?? true }, { jobId: `render-report-${claim.id}`, ...JOB_DEFAULTS });
}

export interface RenderReportData {
  scoreId: string;
  notify?: boolean;
}

export async function renderReportJob(deps: ScoringDeps, data: RenderReportData): Promise<void> {
  const repo = repoOf(deps.store);
  const score = await repo.getInterviewScore(data?.scoreId);
  if (!score || score.status !== 'done' || !score.scorecard) throw new UnrecoverableJobError(`score ${data?.scoreId} is not a finished scorecard`);
  let report = await repo.reportForScore(score.id);
  if (!report) {
    const t0 = performance.now();
    const scorecard = score.scorecard as unknown as Scorecard;
    const pdf = await renderScorecardPdf(scorecard);
    const renderMs = Math.round(performance.now() - t0);
    const artifact = await deps.store.artifacts.put({ interviewId: score.interviewId, kind: 'scorecard_pdf', contentType: 'application/pdf', bytes: pdf });
    const added = await repo.addReport({ interviewId: score.interviewId, interviewScoreId: score.id, artifactId: artifact.id });
    report = added.row;
    if (added.created) {
      const pages = /\/Type\s*\/Pages[^>]*\/Count\s+(\d+)/.exec(pdf.toString('latin1'));
      await append(deps.store, score.interviewId, 'report.rendered', {
        reportId: report.id,
        scoreId: score.id,
        artifactId: artifact.id,
        bytes: pdf.byteLength,
        pages: pages ? Number(pages[1]) : null,
        renderMs,
      });
    }
  }
  if (data.notify === false) return;
  await deps.queue.enqueue<SendReportData>(JOB_NAMES.sendReport, { reportId: report.id }, { jobId: `send-report-${report.id}`, ...JOB_DEFAULTS });
  // The result back to the ATS the interview came from (src/ats/writeback.ts; a no-op for other interviews).
  await deps.queue.enqueue(ATS_WRITEBACK_JOB, { interviewId: score.interviewId, reportId: report.id }, { jobId: `ats-writeback-${report.id}`, attempts: 6, backoffMs: 5000 });
}

export interface SendReportData {
  reportId: string;
}

export async function sendReportJob(deps: ScoringDeps, data: SendReportData, ctx: JobContext): Promise<void> {
  const repo = repoOf(deps.store);
  const report = await repo.getReport(data?.reportId);
  if (!report) throw new UnrecoverableJobError(`report ${data?.reportId} does not exist`);
  const view = await loadInterview(deps, report.interviewId);
  const score = await repo.getInterviewScore(report.interviewScoreId);
  const scorecard = score?.scorecard as unknown as Scorecard | undefined;
  if (!scorecard) throw new UnrecoverableJobError(`report ${report.id} has no scorecard`);
  if (!view.hiringManagerEmail) {
    const skipped = (await deps.store.events.list(view.id, { types: ['report.skipped'] })).some((e) => e.payload.reportId === report.id);
    if (!skipped) await append(deps.store, view.id, 'report.skipped', { reportId: report.id, reason: 'the interview has no hiring-manager email address' });
    return;
  }
  const row = await repo.ensureOutbox({ interviewId: view.id, reportId: report.id, toAddress: view.hiringManagerEmail, subject: scorecardSubject(scorecard) });
  if (row.status === 'sent' || row.status === 'failed') return;
  const claimed = await repo.claimOutbox(report.id, ctx.id, deps.leaseMs ?? 300_000);
  if (!claimed) {
    const now = await repo.outboxForReport(report.id);
    if (now?.status === 'sent' || now?.status === 'failed') return;
    throw new Error(`the email for report ${report.id} is being sent by another worker; retrying later`);
  }
  const pdf = await deps.store.artifacts.read(report.artifactId);
  const message = composeScorecardEmail({
    id: claimed.id,
    to: claimed.toAddress,
    from: deps.from,
    scorecard,
    pdf,
    dashboardUrl: `${deps.publicUrl}/api/interviews/${view.id}/scorecard`,
  });
  let sent;
  try {
    sent = await deps.email.send(message, ctx.signal);
  } catch (err) {
    const final = (err instanceof EmailError && !err.retryable) || ctx.attempt >= ctx.attempts;
    await repo.releaseOutbox(claimed.id, ctx.id, errorMessage(err), final);
    if (err instanceof EmailError && !err.retryable) throw new UnrecoverableJobError(err.message, { cause: err });
    throw err;
  }
  if (await repo.markSent(claimed.id, ctx.id, { provider: sent.provider, providerMessageId: sent.messageId, location: sent.location })) {
    await append(deps.store, view.id, 'report.sent', {
      reportId: report.id,
      outboxId: claimed.id,
      provider: sent.provider,
      providerMessageId: sent.messageId,
      to: claimed.toAddress,
    });
  }
}

// ---- enqueueing ----

export async function enqueueStageScoring(queue: JobQueue, input: { interviewId: string; stage: string }): Promise<void> {
  await queue.enqueue<ScoreAnswerData>(JOB_NAMES.scoreAnswer, input, {
    jobId: `score-answer-${jobSafe(input.interviewId)}-${jobSafe(input.stage)}`,
    ...JOB_DEFAULTS,
  });
}

export async function enqueueEndOfCall(queue: JobQueue, input: { interviewId: string }): Promise<void> {
  await queue.enqueue<ScoreInterviewData>(JOB_NAMES.scoreInterview, { interviewId: input.interviewId, revision: 1 }, {
    jobId: `score-interview-${jobSafe(input.interviewId)}-r1`,
    ...JOB_DEFAULTS,
  });
}

/** A reproducible rescore into a new revision (with the pinned rubric, or `rubric` = id@version). */
export async function enqueueRescore(queue: JobQueue, store: Store, input: { interviewId: string; rubric?: string; notify?: boolean }): Promise<{ revision: number }> {
  const revision = (await repoOf(store).maxRevision(input.interviewId)) + 1;
  await queue.enqueue<ScoreInterviewData>(JOB_NAMES.scoreInterview, { interviewId: input.interviewId, rubric: input.rubric, revision, notify: input.notify ?? false }, {
    jobId: `score-interview-${jobSafe(input.interviewId)}-r${revision}`,
    ...JOB_DEFAULTS,
  });
  return { revision };
}
