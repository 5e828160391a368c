/**
 * The `ats.writeback` job: when a report is rendered, the result goes back to the ATS the interview came from
 * (band, summary, dashboard link). One outbox row per report, claimed with a lease and marked sent once, so a job
 * that runs twice writes once; transient vendor errors are retried by the queue with backoff.
 */
import type { JobContext } from '../jobs/queue.js';
import { UnrecoverableJobError } from '../jobs/queue.js';
import { errorMessage } from '../lib/errors.js';
import { repoOf } from '../scoring/pipeline.js';
import type { Scorecard } from '../scoring/types.js';
import type { AtsDeps } from './process.js';
import { VendorError, writeResult } from './vendor-api.js';

export interface WritebackData {
  interviewId: string;
  reportId: string;
}

export async function writebackJob(deps: AtsDeps & { leaseMs?: number }, data: WritebackData, ctx: JobContext): Promise<void> {
  const link = await deps.repo.applicationForInterview(data?.interviewId);
  if (!link) return; // not an ATS interview: nothing to write back
  const report = await repoOf(deps.store).getReport(data.reportId);
  if (!report || report.interviewId !== link.interviewId) throw new UnrecoverableJobError(`report ${data.reportId} is not a report of interview ${data.interviewId}`);
  const score = await repoOf(deps.store).getInterviewScore(report.interviewScoreId);
  const scorecard = score?.scorecard as unknown as Scorecard | undefined;
  if (!scorecard) throw new UnrecoverableJobError(`report ${report.id} has no scorecard`);
  const row = await deps.repo.ensureWriteback({ interviewId: link.interviewId, reportId: report.id, vendor: link.vendor });
  if (row.status === 'sent' || row.status === 'failed') return;
  const claimed = await deps.repo.claimWriteback(row.id, ctx.id, deps.leaseMs ?? 300_000);
  if (!claimed) {
    const rows = await deps.repo.writebacksFor(link.interviewId);
    const now = rows.find((r) => r.id === row.id);
    if (now?.status === 'sent' || now?.status === 'failed') return;
    throw new Error(`the write-back of report ${report.id} is held by another worker; retrying later`);
  }
  const conn = await deps.orgs.connection(link.tenantId, link.vendor);
  const content = {
    interviewId: link.interviewId,
    applicationId: link.applicationId,
    candidateExternalId: link.candidateExternalId,
    band: { id: scorecard.decision.band.id, label: scorecard.decision.band.label },
    summary: scorecard.summary,
    dashboardUrl: `${deps.config.publicUrl}/dashboard/interviews/${link.interviewId}`,
    reportId: report.id,
  };
  let remoteId: string | null;
  try {
    if (!conn) throw new VendorError(`${link.vendor}: no connection is configured for organisation ${link.tenantId}`, false);
    remoteId = await writeResult(conn, content, link.callbackUrl, (deps.now?.() ?? new Date()).getTime());
  } catch (err) {
    const final = (err instanceof VendorError && !err.retryable) || ctx.attempt >= ctx.attempts;
    await deps.repo.releaseWriteback(claimed.id, ctx.id, errorMessage(err), final);
    await deps.store.events.append(link.interviewId, 'ats.writeback_failed', { vendor: link.vendor, reportId: report.id, error: errorMessage(err).slice(0, 500), final });
    if (err instanceof VendorError && !err.retryable) throw new UnrecoverableJobError(err.message, { cause: err });
    throw err;
  }
  if (await deps.repo.markWritebackSent(claimed.id, ctx.id, remoteId)) {
    await deps.store.events.append(link.interviewId, 'ats.writeback_sent', { vendor: link.vendor, reportId: report.id, writebackId: claimed.id, remoteId, attempt: ctx.attempt });
  }
}
