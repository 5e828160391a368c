/**
 * The vendors' REST APIs, as far as screenline uses them: Lever (read the opportunity and its resume, add a note),
 * Ashby (`candidate.info`, `file.info`, `candidate.createNote`), Greenhouse Harvest (a note on the candidate's
 * activity feed), and our generic callback. Every call has a time limit; errors say which vendor answered what.
 */
import type { AtsConnection } from './organisations.js';
import { signScreenline } from './signatures.js';

export class VendorError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'VendorError';
  }
}

const basic = (key: string) => 'Basic ' + Buffer.from(`${key}:`).toString('base64');

async function call(vendor: string, url: string, init: RequestInit & { timeoutMs?: number }): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  } catch (err) {
    throw new VendorError(`${vendor}: ${url} did not answer (${(err as Error).message})`, true);
  }
  const text = await res.text();
  if (!res.ok) throw new VendorError(`${vendor}: ${init.method ?? 'GET'} ${new URL(url).pathname} answered ${res.status} ${text.slice(0, 200)}`, res.status === 429 || res.status >= 500);
  try {
    return text ? (JSON.parse(text) as unknown) : {};
  } catch {
    throw new VendorError(`${vendor}: ${new URL(url).pathname} answered non-JSON`, false);
  }
}

const need = (c: AtsConnection, what: string): string => {
  if (!c.apiKey) throw new VendorError(`${c.vendor}: no API key configured (${what})`, false);
  return c.apiKey;
};
const base = (c: AtsConnection) => (c.apiBaseUrl ?? '').replace(/\/+$/, '');
type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});

/** Lever opportunity: name, phones, emails, stage (expanded), first posting title when expanded. */
export async function leverOpportunity(c: AtsConnection, id: string) {
  const key = need(c, 'read the opportunity');
  const body = o(await call('lever', `${base(c)}/v1/opportunities/${encodeURIComponent(id)}?expand=stage&expand=applications`, { headers: { authorization: basic(key) } }));
  const data = o(body.data);
  const phones = (Array.isArray(data.phones) ? data.phones : []).map(o);
  const emails = Array.isArray(data.emails) ? data.emails : [];
  const stage = o(data.stage);
  const application = o((Array.isArray(data.applications) ? data.applications : [])[0]);
  return {
    name: typeof data.name === 'string' ? data.name : null,
    phone: typeof phones[0]?.value === 'string' ? (phones[0].value as string) : null,
    email: typeof emails[0] === 'string' ? (emails[0] as string) : null,
    stageId: typeof stage.id === 'string' ? stage.id : typeof data.stage === 'string' ? data.stage : null,
    stageName: typeof stage.text === 'string' ? stage.text : null,
    contactId: typeof data.contact === 'string' ? data.contact : null,
    postingId: typeof application.posting === 'string' ? application.posting : null,
    postingTitle: typeof o(application.posting).text === 'string' ? (o(application.posting).text as string) : null,
  };
}

/** The newest resume of a Lever opportunity: its authenticated download URL. */
export async function leverResume(c: AtsConnection, id: string): Promise<{ url: string; filename: string | null; headers: Record<string, string> } | null> {
  const key = need(c, 'list resumes');
  const body = o(await call('lever', `${base(c)}/v1/opportunities/${encodeURIComponent(id)}/resumes`, { headers: { authorization: basic(key) } }));
  const first = o((Array.isArray(body.data) ? body.data : [])[0]);
  if (typeof first.id !== 'string') return null;
  const file = o(first.file);
  return {
    url: `${base(c)}/v1/opportunities/${encodeURIComponent(id)}/resumes/${encodeURIComponent(first.id)}/download`,
    filename: typeof file.name === 'string' ? file.name : null,
    headers: { authorization: basic(key) },
  };
}

/** Ashby: a candidate's resume file handle → a (pre-signed) download URL. */
export async function ashbyResumeUrl(c: AtsConnection, fileHandle: string): Promise<string | null> {
  const key = need(c, 'file.info');
  const body = o(await call('ashby', `${base(c)}/file.info`, { method: 'POST', headers: { authorization: basic(key), 'content-type': 'application/json' }, body: JSON.stringify({ fileHandle }) }));
  const url = o(body.results).url;
  return typeof url === 'string' ? url : null;
}

export interface WritebackContent {
  interviewId: string;
  applicationId: string;
  candidateExternalId: string | null;
  band: { id: string; label: string };
  summary: string;
  dashboardUrl: string;
  reportId: string;
}

export const noteText = (w: WritebackContent) => `screenline phone screen: ${w.band.label}\n\n${w.summary}\n\nScorecard and evidence: ${w.dashboardUrl}`;

/** Writes the result to the vendor; returns the vendor's id of the note (or null when it gives none). */
export async function writeResult(c: AtsConnection, w: WritebackContent, callbackUrl: string | null, nowMs: number): Promise<string | null> {
  switch (c.vendor) {
    case 'greenhouse': {
      const key = need(c, 'Harvest note');
      if (!w.candidateExternalId) throw new VendorError('greenhouse: the candidate id is unknown', false);
      if (!c.actorId) throw new VendorError('greenhouse: GREENHOUSE_USER_ID (On-Behalf-Of) is not set', false);
      const body = o(
        await call('greenhouse', `${base(c)}/v1/candidates/${encodeURIComponent(w.candidateExternalId)}/activity_feed/notes`, {
          method: 'POST',
          headers: { authorization: basic(key), 'on-behalf-of': c.actorId, 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: Number(c.actorId) || c.actorId, body: noteText(w), visibility: 'admin_only' }),
        }),
      );
      return body.id !== undefined ? String(body.id) : null;
    }
    case 'lever': {
      const key = need(c, 'note');
      const q = c.actorId ? `?perform_as=${encodeURIComponent(c.actorId)}` : '';
      const body = o(
        await call('lever', `${base(c)}/v1/opportunities/${encodeURIComponent(w.applicationId)}/notes${q}`, {
          method: 'POST',
          headers: { authorization: basic(key), 'content-type': 'application/json' },
          body: JSON.stringify({ value: noteText(w) }),
        }),
      );
      const id = o(body.data).noteId ?? o(body.data).id;
      return id !== undefined ? String(id) : null;
    }
    case 'ashby': {
      const key = need(c, 'candidate.createNote');
      if (!w.candidateExternalId) throw new VendorError('ashby: the candidate id is unknown', false);
      const body = o(
        await call('ashby', `${base(c)}/candidate.createNote`, {
          method: 'POST',
          headers: { authorization: basic(key), 'content-type': 'application/json' },
          body: JSON.stringify({ candidateId: w.candidateExternalId, note: { type: 'text/plain', value: noteText(w) }, sendNotifications: false }),
        }),
      );
      if (body.success === false) throw new VendorError(`ashby: candidate.createNote failed ${JSON.stringify(body.errors ?? body).slice(0, 200)}`, false);
      const id = o(body.results).id;
      return id !== undefined ? String(id) : null;
    }
    case 'generic': {
      if (!callbackUrl) throw new VendorError('generic: the delivery named no callbackUrl', false);
      if (!c.webhookSecret) throw new VendorError('generic: no SCREENLINE_WEBHOOK_SECRET to sign the callback', false);
      const payload = JSON.stringify({
        type: 'screenline.scorecard_ready',
        interviewId: w.interviewId,
        applicationId: w.applicationId,
        reportId: w.reportId,
        band: w.band,
        summary: w.summary,
        dashboardUrl: w.dashboardUrl,
      });
      const sig = signScreenline(c.webhookSecret, payload, nowMs);
      const body = o(
        await call('generic', callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-screenline-timestamp': sig.timestamp, 'x-screenline-signature': sig.signature, 'idempotency-key': `${w.reportId}` },
          body: payload,
        }),
      );
      return body.id !== undefined ? String(body.id) : null;
    }
  }
}

/** Downloads a file with a byte cap and a time limit; the body is read as a stream and cut off at the cap. */
export async function downloadCapped(url: string, opts: { maxBytes: number; timeoutMs: number; headers?: Record<string, string> }): Promise<{ bytes: Buffer; contentType: string | null }> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers: opts.headers, signal, redirect: 'follow' });
  } catch (err) {
    throw new VendorError(`download failed: ${(err as Error).message}`, true);
  }
  if (!res.ok || !res.body) throw new VendorError(`download answered ${res.status}`, res.status >= 500);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new VendorError(`attachment is ${declared} bytes, over the ${opts.maxBytes}-byte cap`, false);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > opts.maxBytes) throw new VendorError(`attachment exceeds the ${opts.maxBytes}-byte cap`, false);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof VendorError) throw err;
    throw new VendorError(`download failed: ${(err as Error).message}`, true);
  }
  return { bytes: Buffer.concat(chunks), contentType: res.headers.get('content-type') };
}
