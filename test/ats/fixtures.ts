/**
 * Deliveries shaped like the vendors' documented payloads, signed the way each vendor signs (computed here with
 * node:crypto, independently of src/ats/signatures.ts).
 */
import { createHmac, randomUUID } from 'node:crypto';

export const SECRETS = {
  greenhouse: 'gh-secret-key-0123456789',
  lever: 'lever-signature-token-0123456789',
  ashby: 'ashby-secret-0123456789',
  generic: 'screenline-generic-secret-0123456789',
};

const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

export interface Delivery {
  url: string;
  payload: string;
  headers: Record<string, string>;
}

export function greenhouseStageChange(opts: { applicationId: number; stage?: string; resumeUrl?: string; eventId?: string; phone?: string; secret?: string }): Delivery {
  const body = {
    action: 'candidate_stage_change',
    payload: {
      application: {
        id: opts.applicationId,
        status: 'active',
        current_stage: { id: 7781, name: opts.stage ?? 'AI Phone Screen' },
        candidate: {
          id: 9100 + opts.applicationId,
          first_name: 'Ada',
          last_name: 'Lovelace',
          phone_numbers: [{ value: opts.phone ?? '+1 (415) 555-0142', type: 'mobile' }],
          email_addresses: [{ value: 'ada@example.com', type: 'personal' }],
          attachments: opts.resumeUrl ? [{ filename: 'ada-resume.txt', url: opts.resumeUrl, type: 'resume' }] : [],
        },
        jobs: [{ id: 55, name: 'Backend Engineer' }],
      },
    },
  };
  // Greenhouse escapes non-ASCII as \uXXXX; the signature is over the bytes exactly as sent.
  const payload = JSON.stringify(body).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return {
    url: '/webhooks/ats/greenhouse',
    payload,
    headers: { 'content-type': 'application/json', signature: `sha256 ${hmac(opts.secret ?? SECRETS.greenhouse, payload)}`, 'greenhouse-event-id': opts.eventId ?? randomUUID() },
  };
}

export function leverStageChange(opts: { opportunityId: string; token?: string; triggeredAt?: number; secret?: string }): Delivery {
  const token = opts.token ?? randomUUID().replace(/-/g, '');
  const triggeredAt = opts.triggeredAt ?? Date.now();
  const body = {
    triggeredAt,
    event: 'candidateStageChange',
    signature: hmac(opts.secret ?? SECRETS.lever, `${token}${triggeredAt}`),
    token,
    data: { opportunityId: opts.opportunityId, contactId: 'contact-1', fromStageId: 'lead-new', toStageId: 'stage-ai' },
  };
  return { url: '/webhooks/ats/lever', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

export function ashbyStageChange(opts: { applicationId: string; webhookActionId?: string; stage?: string; fileHandle?: string; secret?: string; action?: string }): Delivery {
  const body = {
    webhookActionId: opts.webhookActionId ?? randomUUID(),
    action: opts.action ?? 'candidateStageChange',
    data: {
      application: {
        id: opts.applicationId,
        status: 'Active',
        candidate: {
          id: `cand-${opts.applicationId}`,
          name: 'Grace Hopper',
          primaryEmailAddress: { value: 'grace@example.com', type: 'Personal', isPrimary: true },
          primaryPhoneNumber: { value: '+442071838750', type: 'Mobile', isPrimary: true },
          ...(opts.fileHandle ? { resumeFileHandle: { id: 'f1', name: 'grace.txt', handle: opts.fileHandle } } : {}),
        },
        currentInterviewStage: { id: 'st-1', title: opts.stage ?? 'AI Phone Screen', type: 'Active' },
        job: { id: 'job-1', title: 'Compiler Engineer' },
      },
    },
  };
  const payload = JSON.stringify(body);
  return { url: '/webhooks/ats/ashby', payload, headers: { 'content-type': 'application/json', 'ashby-signature': `sha256=${hmac(opts.secret ?? SECRETS.ashby, payload)}` } };
}

export function genericRequest(opts: { applicationId: string; eventId?: string; resumeUrl?: string; callbackUrl?: string; timestampSec?: number; secret?: string; org?: string }): Delivery {
  const body = {
    eventId: opts.eventId ?? randomUUID(),
    type: 'interview.requested',
    application: { id: opts.applicationId, stage: 'AI Phone Screen' },
    candidate: { id: 'c-1', name: 'Katherine Johnson', phone: '+13125550199', email: 'kj@example.com', timezone: 'America/Chicago' },
    role: { id: 'r-1', title: 'Data Engineer', level: 'senior' },
    ...(opts.resumeUrl ? { resumeUrl: opts.resumeUrl } : {}),
    ...(opts.callbackUrl ? { callbackUrl: opts.callbackUrl } : {}),
  };
  const payload = JSON.stringify(body);
  const ts = String(opts.timestampSec ?? Math.floor(Date.now() / 1000));
  return {
    url: `/webhooks/ats/generic${opts.org ? `/${opts.org}` : ''}`,
    payload,
    headers: { 'content-type': 'application/json', 'x-screenline-timestamp': ts, 'x-screenline-signature': `sha256=${hmac(opts.secret ?? SECRETS.generic, `${ts}.${payload}`)}` },
  };
}

export const RESUME_TEXT = `Ada Lovelace
Experience
Analytical Engine Co — Senior Engineer, 2019–2024. Built a Postgres-backed job queue handling 2M jobs a day; cut p99 latency from 900 ms to 120 ms.
Skills
TypeScript, Node.js, PostgreSQL, Redis`;
