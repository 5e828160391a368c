/**
 * The one place job names meet their handlers, used by the worker process and (in-process mode) by the web
 * process. A job that gives up (an unrecoverable error, or its last attempt failed) leaves a `job.failed` event
 * on its interview, so the failure is visible there and not only in a log.
 */
import { join } from 'node:path';
import type { JobContext, JobQueue } from './queue.js';
import { UnrecoverableJobError } from './queue.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config.js';
import { errorMessage } from '../lib/errors.js';
import { isUuid } from '../store/db.js';
import type { StructuredModel } from '../providers/llm.js';
import type { EmailSender } from '../providers/email.js';
import { OpenAiModel } from '../providers/openai/index.js';
import { SendGridEmail } from '../providers/sendgrid/sendgrid-email.js';
import { EmlOutbox } from '../providers/local/eml-outbox.js';
import { ModelScorer, OfflineScorer, type Scorer } from '../scoring/scorer.js';
import { rubrics as packageRubrics, type RubricRegistry } from '../scoring/rubric.js';
import {
  JOB_NAMES,
  repoOf,
  renderReportJob,
  scoreAnswerJob,
  scoreInterviewJob,
  sendReportJob,
  type ScoreAnswerData,
  type ScoreInterviewData,
  type ScoringDeps,
} from '../scoring/pipeline.js';

export interface JobDeps {
  store: Store;
  log: Logger;
  config: Config;
  /** Overrides (tests, the demo, the benchmark). */
  scorer?: Scorer;
  email?: EmailSender;
  rubrics?: RubricRegistry;
  /** Claim lease for scoring rows and the outbox (default 5 min). */
  leaseMs?: number;
  /** Per-job timeout (default 5 min). */
  jobTimeoutMs?: number;
}

/** The scorer from config: the OpenAI(-compatible) model when configured, else the offline scorer. */
export function scorerFromConfig(config: Config): Scorer {
  if (config.openai.apiKey || config.openai.baseUrl) {
    const model: StructuredModel = new OpenAiModel({ apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, model: config.openai.model });
    return new ModelScorer(model);
  }
  return new OfflineScorer();
}

/** SendGrid with SENDGRID_API_KEY, else `.eml` files in DATA_DIR/outbox/email. */
export function emailFromConfig(config: Config): EmailSender {
  if (config.email.sendgridApiKey) return new SendGridEmail({ apiKey: config.email.sendgridApiKey, baseUrl: config.email.sendgridBaseUrl });
  return new EmlOutbox(join(config.dataDir, 'outbox', 'email'));
}

export function scoringDeps(queue: JobQueue, deps: JobDeps): ScoringDeps {
  return {
    store: deps.store,
    log: deps.log,
    queue,
    scorer: deps.scorer ?? scorerFromConfig(deps.config),
    email: deps.email ?? emailFromConfig(deps.config),
    rubrics: deps.rubrics ?? packageRubrics(),
    from: { email: deps.config.email.from, name: deps.config.email.fromName },
    publicUrl: deps.config.publicUrl,
    leaseMs: deps.leaseMs,
  };
}

function interviewIdOf(data: unknown): string | undefined {
  const d = data as { interviewId?: unknown } | null;
  return d && typeof d.interviewId === 'string' && isUuid(d.interviewId) ? d.interviewId : undefined;
}

/** Wraps a handler: on giving up, records `job.failed` on the interview and makes sure the queue stops retrying. */
function guarded<T>(name: string, sd: ScoringDeps, run: (data: T, ctx: JobContext) => Promise<void>, findInterview: (data: T) => Promise<string | undefined>) {
  return async (data: T, ctx: JobContext): Promise<void> => {
    try {
      await run(data, ctx);
    } catch (err) {
      const unrecoverable = err instanceof UnrecoverableJobError;
      const last = unrecoverable || ctx.attempt >= ctx.attempts;
      sd.log.warn({ err, job: name, jobId: ctx.id, attempt: ctx.attempt, attempts: ctx.attempts, unrecoverable }, last ? 'job gave up' : 'job attempt failed');
      if (last) {
        const interviewId = await findInterview(data).catch(() => undefined);
        if (interviewId) {
          await sd.store.events
            .append(interviewId, 'job.failed', { job: name, jobId: ctx.id, attempt: ctx.attempt, attempts: ctx.attempts, unrecoverable, error: errorMessage(err).slice(0, 1000) })
            .catch((e: unknown) => sd.log.error({ err: e, interviewId }, 'could not record job.failed'));
        }
      }
      throw err;
    }
  };
}

export function registerJobHandlers(queue: JobQueue, deps: JobDeps): string[] {
  const sd = scoringDeps(queue, deps);
  const timeoutMs = deps.jobTimeoutMs ?? 300_000;
  const repo = repoOf(sd.store);
  const byData = async (data: unknown) => interviewIdOf(data);
  queue.process(JOB_NAMES.scoreAnswer, guarded<ScoreAnswerData>(JOB_NAMES.scoreAnswer, sd, (d, c) => scoreAnswerJob(sd, d, c), byData), { concurrency: 4, timeoutMs });
  queue.process(JOB_NAMES.scoreInterview, guarded<ScoreInterviewData>(JOB_NAMES.scoreInterview, sd, (d, c) => scoreInterviewJob(sd, d, c), byData), { concurrency: 2, timeoutMs });
  queue.process(
    JOB_NAMES.renderReport,
    guarded(JOB_NAMES.renderReport, sd, (d: { scoreId: string; notify?: boolean }) => renderReportJob(sd, d), async (d) => (await repo.getInterviewScore(d?.scoreId))?.interviewId),
    { concurrency: 1, timeoutMs },
  );
  queue.process(
    JOB_NAMES.sendReport,
    guarded(JOB_NAMES.sendReport, sd, (d: { reportId: string }, c) => sendReportJob(sd, d, c), async (d) => (await repo.getReport(d?.reportId))?.interviewId),
    { concurrency: 2, timeoutMs },
  );
  return Object.values(JOB_NAMES);
}

/** Banner lines for the ports the jobs use. */
export function describeJobAdapters(deps: JobDeps): { scorer: string; email: string } {
  const sd = { scorer: deps.scorer ?? scorerFromConfig(deps.config), email: deps.email ?? emailFromConfig(deps.config) };
  return {
    scorer: sd.scorer.info.kind === 'offline' ? 'offline scorer (no language model: only objective signals are scored; set OPENAI_API_KEY)' : `${sd.scorer.info.model} (strict structured output, evidence verified)`,
    email: sd.email.describe(),
  };
}
