/** The dashboard's calls to its own origin: the session cookie rides along; state-changing calls echo the CSRF token. */
export interface Session {
  signedIn: true;
  tenantId: string;
  csrfToken: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
export const setCsrf = (token: string) => {
  csrfToken = token;
};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string; requestId?: string };
  if (!res.ok) throw new ApiError(res.status, data.error ?? 'error', data.message ?? `HTTP ${res.status}`, data.requestId);
  return data as T;
}

export interface FeedEvent {
  interviewId: string;
  seq: number;
  at: string;
  type: string;
  payload: Record<string, unknown>;
}

export interface InterviewSummary {
  id: string;
  status: string;
  candidate: { id: string; name: string };
  role: { title: string; level: string | null };
  createdAt: string;
  endedAt: string | null;
  stageReached: string | null;
  nextCallAt: string | null;
  decision: { band: string; bandLabel: string; final: boolean } | null;
}

export interface InterviewDetail {
  id: string;
  status: string;
  scheduledAt: string | null;
  createdAt: string;
  endedAt: string | null;
  stageReached: string | null;
  hiringManagerEmail: string | null;
  candidate: { id: string; name: string; phone: string; email: string | null; timezone: string | null };
  role: { title: string; level: string | null };
}

/** Runs a promise from an event handler; its failure (already shown by the caller, or unexpected) is logged. */
export function run(p: Promise<unknown>): void {
  p.catch((err: unknown) => console.error(err));
}
