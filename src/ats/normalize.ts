/**
 * Vendor payloads → one delivery shape the `ats.process` job works on. Only the fields the job needs are kept
 * (the raw body is not stored). Shapes follow the vendors' documented payloads (docs/ats.md).
 */
import type { AtsVendor } from '../store/schema-ats.js';

export interface AtsDelivery {
  vendor: AtsVendor;
  eventId: string;
  action: string;
  applicationId: string;
  /** The stage the application moved into (by name), when the payload says. */
  stageName: string | null;
  stageId: string | null;
  /** The generic hook's `interview.requested`: schedule regardless of the stage. */
  force: boolean;
  candidate: { externalId: string | null; name: string | null; phone: string | null; email: string | null; timezone: string | null };
  job: { id: string | null; title: string | null; level: string | null; description: string | null };
  resume: { url: string; filename: string | null } | null;
  /** Ashby: the resume is fetched through `file.info` with this handle. */
  resumeFileHandle: string | null;
  hiringManagerEmail: string | null;
  callbackUrl: string | null;
}

export type Parsed =
  | { kind: 'delivery'; delivery: AtsDelivery }
  | { kind: 'ignored'; action: string; eventId: string | null; reason: string }
  | { kind: 'malformed'; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const bad = (reason: string): Parsed => ({ kind: 'malformed', reason });

const empty = (): Omit<AtsDelivery, 'vendor' | 'eventId' | 'action' | 'applicationId'> => ({
  stageName: null,
  stageId: null,
  force: false,
  candidate: { externalId: null, name: null, phone: null, email: null, timezone: null },
  job: { id: null, title: null, level: null, description: null },
  resume: null,
  resumeFileHandle: null,
  hiringManagerEmail: null,
  callbackUrl: null,
});

const httpUrl = (v: unknown): string | null => {
  const u = s(v);
  if (!u) return null;
  try {
    const p = new URL(u);
    return p.protocol === 'https:' || p.protocol === 'http:' ? u : null;
  } catch {
    return null;
  }
};

/** Greenhouse `candidate_stage_change` / `new_candidate_application`; the event id is the Greenhouse-Event-ID header. */
export function parseGreenhouse(body: unknown, eventId: string): Parsed {
  if (!isObj(body) || typeof body.action !== 'string') return bad('expected {"action": …, "payload": …}');
  const action = body.action;
  if (action !== 'candidate_stage_change' && action !== 'new_candidate_application') return { kind: 'ignored', action, eventId, reason: `Greenhouse action "${action}" does not schedule calls` };
  const app = obj(obj(body.payload).application);
  const applicationId = s(app.id);
  if (!applicationId) return bad('payload.application.id is missing');
  const c = obj(app.candidate);
  const stage = obj(app.current_stage);
  const job = obj(arr(app.jobs)[0]);
  const phones = arr(c.phone_numbers).map(obj);
  const phone = s((phones.find((p) => p.type === 'mobile') ?? phones[0])?.value);
  const attachments = arr(c.attachments).map(obj);
  const resume = attachments.find((a) => a.type === 'resume') ?? null;
  const name = [s(c.first_name), s(c.last_name)].filter(Boolean).join(' ') || null;
  const d: AtsDelivery = {
    vendor: 'greenhouse',
    eventId,
    action,
    applicationId,
    ...empty(),
    stageName: s(stage.name),
    stageId: s(stage.id),
    candidate: { externalId: s(c.id), name, phone, email: s(obj(arr(c.email_addresses)[0]).value), timezone: null },
    job: { id: s(job.id), title: s(job.name), level: null, description: null },
    resume: resume && httpUrl(resume.url) ? { url: httpUrl(resume.url)!, filename: s(resume.filename) } : null,
  };
  return { kind: 'delivery', delivery: d };
}

/** Lever: ids only (`data.opportunityId`, `data.toStageId`); the job reads the opportunity through the API. */
export function parseLever(body: unknown): Parsed {
  if (!isObj(body) || typeof body.event !== 'string') return bad('expected {"event": …, "data": …, "token", "triggeredAt", "signature"}');
  const action = body.event;
  const eventId = s(body.token);
  if (!eventId) return bad('token is missing');
  if (action !== 'candidateStageChange' && action !== 'applicationCreated') return { kind: 'ignored', action, eventId, reason: `Lever event "${action}" does not schedule calls` };
  const data = obj(body.data);
  const applicationId = s(data.opportunityId);
  if (!applicationId) return bad('data.opportunityId is missing');
  return { kind: 'delivery', delivery: { vendor: 'lever', eventId, action, applicationId, ...empty(), stageId: s(data.toStageId) } };
}

/** Ashby `candidateStageChange` / `applicationUpdate` (the same `webhookActionId`: the first one wins). */
export function parseAshby(body: unknown): Parsed {
  if (!isObj(body) || typeof body.action !== 'string') return bad('expected {"webhookActionId", "action", "data"}');
  const action = body.action;
  const eventId = s(body.webhookActionId);
  if (action === 'ping') return { kind: 'ignored', action, eventId, reason: 'ping' };
  if (!eventId) return bad('webhookActionId is missing');
  if (action !== 'candidateStageChange' && action !== 'applicationUpdate') return { kind: 'ignored', action, eventId, reason: `Ashby action "${action}" does not schedule calls` };
  const app = obj(obj(body.data).application);
  const applicationId = s(app.id);
  if (!applicationId) return bad('data.application.id is missing');
  const c = obj(app.candidate);
  const stage = obj(app.currentInterviewStage);
  const job = obj(app.job);
  return {
    kind: 'delivery',
    delivery: {
      vendor: 'ashby',
      eventId,
      action,
      applicationId,
      ...empty(),
      stageName: s(stage.title),
      stageId: s(stage.id),
      candidate: { externalId: s(c.id), name: s(c.name), phone: s(obj(c.primaryPhoneNumber).value), email: s(obj(c.primaryEmailAddress).value), timezone: null },
      job: { id: s(job.id), title: s(job.title), level: null, description: null },
      resumeFileHandle: s(obj(c.resumeFileHandle).handle),
    },
  };
}

/** Ours: docs/ats.md "Generic JSON". */
export function parseGeneric(body: unknown): Parsed {
  if (!isObj(body)) return bad('expected a JSON object');
  const eventId = s(body.eventId);
  const action = s(body.type);
  if (!eventId || !action) return bad('eventId and type are required');
  if (action !== 'candidate.stage_changed' && action !== 'interview.requested') return { kind: 'ignored', action, eventId, reason: `type "${action}" does not schedule calls` };
  const app = obj(body.application);
  const c = obj(body.candidate);
  const role = obj(body.role);
  const applicationId = s(app.id);
  if (!applicationId) return bad('application.id is required');
  if (!s(c.name) || !s(c.phone)) return bad('candidate.name and candidate.phone are required');
  if (!s(role.title)) return bad('role.title is required');
  if (body.resumeUrl !== undefined && !httpUrl(body.resumeUrl)) return bad('resumeUrl must be an http(s) URL');
  if (body.callbackUrl !== undefined && !httpUrl(body.callbackUrl)) return bad('callbackUrl must be an http(s) URL');
  return {
    kind: 'delivery',
    delivery: {
      vendor: 'generic',
      eventId,
      action,
      applicationId,
      ...empty(),
      stageName: s(app.stage),
      force: action === 'interview.requested',
      candidate: { externalId: s(c.id), name: s(c.name), phone: s(c.phone), email: s(c.email), timezone: s(c.timezone) },
      job: { id: s(role.id), title: s(role.title), level: s(role.level), description: s(role.description) },
      resume: httpUrl(body.resumeUrl) ? { url: httpUrl(body.resumeUrl)!, filename: s(body.resumeFilename) } : null,
      hiringManagerEmail: s(body.hiringManagerEmail),
      callbackUrl: httpUrl(body.callbackUrl),
    },
  };
}
