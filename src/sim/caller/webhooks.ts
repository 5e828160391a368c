/**
 * The HTTP requests Twilio makes during a call: the voice webhook (answered with TwiML) and status callbacks, each
 * form-encoded and signed over the full URL it requests plus the POST params.
 */
import { signTwilioRequest } from './twilio-wire.js';

/** Twilio gives a voice webhook 15 s before it fails the call (error 11205). */
export const WEBHOOK_TIMEOUT_MS = 15_000;

export interface SignedPostResult {
  url: string;
  status: number;
  contentType: string;
  body: string;
  signature: string;
}

export async function postSigned(
  url: string,
  params: Record<string, string>,
  authToken: string,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<SignedPostResult> {
  const signature = signTwilioRequest(authToken, url, params);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'user-agent': 'TwilioProxy/1.1',
      'i-twilio-idempotency-token': crypto.randomUUID(),
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { url, status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text(), signature };
}

/** `serverUrl` + path + `?interviewId=` (when given): the exact URL requested and signed. */
export function webhookUrl(serverUrl: string, path: string, interviewId: string | undefined): string {
  const base = serverUrl.replace(/\/+$/, '') + path;
  return interviewId === undefined ? base : `${base}?interviewId=${encodeURIComponent(interviewId)}`;
}

export interface CallParty {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  answeredBy?: string;
}

/** The parameters of a voice webhook for an answered outbound-api call. */
export function voiceParams(call: CallParty): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: call.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.callSid,
    CallStatus: 'in-progress',
    Called: call.to,
    Caller: call.from,
    Direction: 'outbound-api',
    From: call.from,
    To: call.to,
  };
  if (call.answeredBy) params.AnsweredBy = call.answeredBy;
  return params;
}

export type CallStatus = 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** The parameters of a status callback; `durationSec` is sent as CallDuration (and Duration) on final statuses. */
export function statusParams(call: CallParty, status: CallStatus, sequence: number, durationSec?: number): Record<string, string> {
  const params: Record<string, string> = {
    ...voiceParams(call),
    CallStatus: status,
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(sequence),
    Timestamp: new Date().toUTCString().replace('GMT', '+0000'),
  };
  if (durationSec !== undefined) {
    params.CallDuration = String(durationSec);
    params.Duration = String(Math.max(1, Math.ceil(durationSec / 60)));
  }
  return params;
}
