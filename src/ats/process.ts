/**
 * The `ats.process` job: one accepted delivery → (trigger stage) create or update candidate, role and interview,
 * idempotent on the vendor's application id; fetch the resume at once (vendor URLs expire) into grounding; schedule
 * the call. Anything else is ignored, with a reason on the delivery row, a log line and (when the application is
 * known) an `ats.ignored` event.
 */
import { eq, sql } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Store } from '../store/store.js';
import type { JobContext, JobQueue } from '../jobs/queue.js';
import { UnrecoverableJobError } from '../jobs/queue.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config.js';
import { errorMessage } from '../lib/errors.js';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../store/db.js';
import { candidates, interviews, roles } from '../store/schema.js';
import { atsApplications } from '../store/schema-ats.js';
import type { EventPayload, EventType } from '../store/events/index.js';
import type { Upload } from '../grounding/index.js';
import { scheduleCall, type SchedulingDeps } from '../scheduling/scheduler.js';
import { ATS_WRITEBACK_JOB } from '../scoring/pipeline.js';
import type { AtsRepo } from './ats-repo.js';
import type { AtsDelivery } from './normalize.js';
import type { AtsConnection, OrganisationsRepo } from './organisations.js';
import { ashbyResumeUrl, downloadCapped, leverOpportunity, leverResume, VendorError } from './vendor-api.js';

export const ATS_JOBS = { process: 'ats.process', writeback: ATS_WRITEBACK_JOB } as const;

export interface AtsDeps {
  store: Store;
  queue: JobQueue;
  log: Logger;
  config: Config;
  orgs: OrganisationsRepo;
  repo: AtsRepo;
  /** The grounding ingest (the resume). */
  grounding: { ingest(interviewId: string, source: 'resume' | 'role', upload: Upload): Promise<{ documentId: string }> };
  /** Scheduling's own dependencies (SMS sender overrides in tests). */
  scheduling?: Partial<SchedulingDeps>;
  now?: () => Date;
}

const STARTED = new Set(['calling', 'in_progress', 'completed', 'consent_refused', 'canceled']);

async function append<T extends EventType>(store: Store, interviewId: string, type: T, payload: EventPayload<T>): Promise<void> {
  await store.events.append(interviewId, type, payload as Record<string, unknown>);
}

/** E.164, or null (numbers without a country code are read as US/Canada). */
export function toE164(raw: string | null): string | null {
  if (!raw) return null;
  const p = parsePhoneNumberFromString(raw, 'US');
  return p && p.isPossible() ? p.number : null;
}

/** Lever deliveries carry ids only: read the opportunity (and its stage's name) through the API. */
async function enrichLever(d: AtsDelivery, conn: AtsConnection): Promise<AtsDelivery> {
  const opp = await leverOpportunity(conn, d.applicationId);
  const resume = await leverResume(conn, d.applicationId).catch(() => null);
  return {
    ...d,
    stageId: opp.stageId ?? d.stageId,
    stageName: opp.stageName,
    candidate: { ...d.candidate, externalId: opp.contactId, name: opp.name, phone: opp.phone, email: opp.email },
    job: { ...d.job, id: opp.postingId, title: opp.postingTitle ?? (opp.postingId ? `Lever posting ${opp.postingId}` : null) },
    resume: resume ? { url: resume.url, filename: resume.filename } : null,
  };
}

export async function processDeliveryJob(deps: AtsDeps, data: { deliveryId: string }, ctx: JobContext): Promise<void> {
  const row = await deps.repo.delivery(data?.deliveryId);
  if (!row) throw new UnrecoverableJobError(`ATS delivery ${data?.deliveryId} does not exist`);
  if (row.status !== 'received') return; // done by an earlier run of this job
  const tenantId = row.tenantId;
  let d = row.payload as unknown as AtsDelivery;
  const log = deps.log.child({ deliveryId: row.id, vendor: d.vendor, eventId: d.eventId, tenantId });
  const existing = await deps.repo.application(tenantId, d.vendor, d.applicationId);
  const ignore = async (reason: string) => {
    log.info({ action: d.action, reason }, 'ATS delivery ignored');
    if (existing) await append(deps.store, existing.interviewId, 'ats.ignored', { vendor: d.vendor, eventId: d.eventId, action: d.action, reason });
    await deps.repo.finishDelivery(row.id, 'ignored', { interviewId: existing?.interviewId, detail: reason });
  };

  const conn = await deps.orgs.connection(tenantId, d.vendor);
  if (d.vendor === 'lever') {
    if (!conn?.apiKey) return ignore('Lever webhooks carry ids only and no LEVER_API_KEY is configured to read the opportunity');
    try {
      d = await enrichLever(d, conn);
    } catch (err) {
      if (err instanceof VendorError && !err.retryable) {
        await deps.repo.finishDelivery(row.id, 'failed', { detail: err.message });
        throw new UnrecoverableJobError(err.message, { cause: err });
      }
      throw err;
    }
  }

  const trigger = await deps.orgs.triggerStage(tenantId);
  if (!d.force && (d.stageName ?? '').trim().toLowerCase() !== trigger.trim().toLowerCase()) {
    return ignore(`stage "${d.stageName ?? d.stageId ?? 'unknown'}" is not the trigger stage "${trigger}"`);
  }
  const phone = toE164(d.candidate.phone);
  if (!phone) return ignore('the candidate has no usable phone number');
  const name = d.candidate.name ?? 'Candidate';
  const title = d.job.title ?? 'Role';

  let interviewId: string;
  let created = false;
  if (existing) {
    interviewId = existing.interviewId;
    const view = await deps.store.interviews.get(interviewId, { tenantId });
    if (!view) return ignore('the linked interview no longer exists');
    if (STARTED.has(view.status)) return ignore(`the interview is already ${view.status}`);
    await deps.store.db.transaction(async (tx) => {
      await tx.update(candidates).set({ name, phone, email: d.candidate.email ?? view.candidate.email, timezone: d.candidate.timezone ?? view.candidate.timezone }).where(eq(candidates.id, view.candidate.id));
      await tx.update(roles).set({ title, level: d.job.level ?? view.role.level, description: d.job.description ?? view.role.description }).where(eq(roles.id, view.role.id));
      if (d.hiringManagerEmail) await tx.update(interviews).set({ hiringManagerEmail: d.hiringManagerEmail, updatedAt: sql`now()` }).where(eq(interviews.id, interviewId));
    });
  } else {
    try {
      interviewId = await deps.store.db.transaction(async (tx) => {
        const [c] = await tx.insert(candidates).values({ tenantId, name, phone, email: d.candidate.email, timezone: d.candidate.timezone }).returning({ id: candidates.id });
        const [r] = await tx.insert(roles).values({ tenantId, title, level: d.job.level, description: d.job.description }).returning({ id: roles.id });
        const [i] = await tx
          .insert(interviews)
          .values({ tenantId, candidateId: c!.id, roleId: r!.id, status: 'scheduled', hiringManagerEmail: d.hiringManagerEmail })
          .returning({ id: interviews.id });
        // The link is the idempotency key: a concurrent delivery for the same application rolls this one back.
        await tx.insert(atsApplications).values({ tenantId, vendor: d.vendor, applicationId: d.applicationId, interviewId: i!.id, candidateExternalId: d.candidate.externalId, callbackUrl: d.callbackUrl });
        return i!.id;
      });
      created = true;
    } catch (err) {
      if (pgErrorCode(err) !== PG_UNIQUE_VIOLATION) throw err;
      const winner = await deps.repo.application(tenantId, d.vendor, d.applicationId);
      if (!winner) throw err;
      interviewId = winner.interviewId;
    }
    if (created) await deps.store.events.append(interviewId, 'interview.created', { source: 'ats', vendor: d.vendor, applicationId: d.applicationId, roleTitle: title });
  }
  await append(deps.store, interviewId, 'ats.received', { vendor: d.vendor, eventId: d.eventId, action: d.action, applicationId: d.applicationId, stage: d.stageName, created });

  await fetchResume(deps, d, conn, interviewId, log);
  if (d.job.description && created) {
    await deps.grounding.ingest(interviewId, 'role', { text: d.job.description }).catch((err: unknown) => log.warn({ err }, 'ATS: job description not ingested'));
  }

  await scheduleCall(
    { store: deps.store, queue: deps.queue, log: deps.log, config: deps.config, ...(deps.now ? { now: deps.now } : {}), ...deps.scheduling },
    { interviewId, tenantId, reason: 'ats', ...(d.candidate.timezone ? { timezone: d.candidate.timezone } : {}) },
  );
  await deps.repo.finishDelivery(row.id, 'processed', { interviewId });
  log.info({ interviewId, created, attempt: ctx.attempt }, 'ATS delivery processed');
}

async function fetchResume(deps: AtsDeps, d: AtsDelivery, conn: AtsConnection | null, interviewId: string, log: Logger): Promise<void> {
  let source: { url: string; filename: string | null; headers?: Record<string, string> } | null = d.resume;
  try {
    if (!source && d.vendor === 'ashby' && d.resumeFileHandle && conn?.apiKey) {
      const url = await ashbyResumeUrl(conn, d.resumeFileHandle);
      if (url) source = { url, filename: null };
    }
    // Lever's download endpoint needs the API key; it is only ever sent to the configured Lever host.
    if (source && d.vendor === 'lever' && conn?.apiKey && conn.apiBaseUrl && source.url.startsWith(conn.apiBaseUrl.replace(/\/+$/, '') + '/')) {
      source = { ...source, headers: { authorization: 'Basic ' + Buffer.from(`${conn.apiKey}:`).toString('base64') } };
    }
    if (!source) return;
    const file = await downloadCapped(source.url, { maxBytes: deps.config.ats.resumeMaxBytes, timeoutMs: deps.config.ats.resumeTimeoutMs, headers: source.headers });
    const ingested = await deps.grounding.ingest(interviewId, 'resume', { bytes: file.bytes, filename: source.filename ?? undefined, contentType: file.contentType ?? undefined });
    await append(deps.store, interviewId, 'ats.resume_fetched', { vendor: d.vendor, bytes: file.bytes.byteLength, filename: source.filename, documentId: ingested.documentId });
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'ATS: resume not fetched; the interview goes ahead without it');
    await append(deps.store, interviewId, 'ats.resume_failed', { vendor: d.vendor, reason: errorMessage(err).slice(0, 500) });
  }
}
