/**
 * Secrets never reach a log line. The app runs with the service's own logger options (lib/logger.ts) at `trace`,
 * writing into memory, through representative flows — an issued API token used and a wrong one refused, a
 * simulated phone call (signed webhooks, the single-use stream token, the media socket), a workspace link opened
 * and its live socket, a signed status callback, a metrics scrape — and then every configured secret, issued token,
 * stream and link token and webhook signature is searched for in everything logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import twilio from 'twilio';
import { WebSocket } from 'ws';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { loggerOptions, redactUrl, type Logger } from '../../src/lib/logger.js';

const SECRETS = {
  API_TOKEN: 'sl_ops_secret_api_token_5f0c2b9e7a41',
  TWILIO_AUTH_TOKEN: 'twilio_secret_auth_token_9b8c7d6e5f',
  METRICS_TOKEN: 'metrics_secret_token_1a2b3c4d5e6f',
  DASHBOARD_SESSION_SECRET: 'dashboard_session_secret_0123456789abcdef',
};

describe('secrets are never logged', () => {
  let t: ListeningApp;
  const lines: string[] = [];
  const found: Record<string, string> = {};

  beforeAll(async () => {
    const log = pino(loggerOptions('trace'), { write: (line: string) => void lines.push(line) }) as Logger;
    t = await startListeningApp({ ...SECRETS, LOG_LEVEL: 'trace' }, { logger: log });
    const api = { authorization: `Bearer ${SECRETS.API_TOKEN}` };

    // Token creation, use, and a refused token that looks like one.
    const issued = await t.store.apiTokens.issue('ops-test');
    found.issuedToken = issued.token;
    expect((await t.app.inject({ method: 'GET', url: '/api/interviews/00000000-0000-0000-0000-000000000000', headers: { authorization: `Bearer ${issued.token}` } })).statusCode).toBe(404);
    found.refusedToken = 'sl_this_token_was_never_issued_4242';
    expect((await t.app.inject({ method: 'GET', url: '/api/interviews', headers: { authorization: `Bearer ${found.refusedToken}` } })).statusCode).toBe(401);

    // A simulated call: signed voice webhook, TwiML with the stream token, the signed media socket, audio, stop.
    const interview = await t.store.interviews.create({ candidate: { name: 'Annie Easley', phone: '+14155550188' }, role: { title: 'Engineer' } });
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    const dial = await call.start();
    found.streamToken = dial.stream!.parameters.token!;
    expect(await call.waitForAgentSpeech({ timeoutMs: 30_000 })).toBe(true);
    await call.hangup();

    // A signed status callback: its signature is a secret-derived value.
    const params = { CallSid: call.callSid, CallStatus: 'completed', CallDuration: '12' };
    const statusUrl = `/twilio/status?interviewId=${interview.id}`;
    found.twilioSignature = twilio.getExpectedTwilioSignature(SECRETS.TWILIO_AUTH_TOKEN, t.config.publicUrl + statusUrl, params);
    const status = await t.app.inject({ method: 'POST', url: statusUrl, payload: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': found.twilioSignature } });
    expect(status.statusCode).toBeLessThan(300);

    // A workspace link: texted, opened, its live socket connected; and a guessed link refused.
    const sent = await t.app.workspace.sendLink({ interviewId: interview.id, tenantId: 'default', to: interview.candidate.phone, reason: 'open_ide' });
    found.workspaceToken = sent.url.split('/w/')[1]!;
    await fetch(`${t.url}/w/${found.workspaceToken}`);
    await fetch(`${t.url}/w/guessed_${found.workspaceToken.slice(8)}`);
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/w/${found.workspaceToken}/live`);
    await new Promise<void>((resolve) => {
      ws.once('message', () => resolve());
      ws.once('close', () => resolve());
      ws.once('error', () => resolve());
    });
    ws.close();
    // No route matches this path, so its request line is logged (the link routes log at warn only): masked.
    await fetch(`${t.url}/w/${found.workspaceToken}/no-such-page`);

    // A metrics scrape with its own token, and one with a wrong Twilio signature.
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${SECRETS.METRICS_TOKEN}` } })).statusCode).toBe(200);
    await t.app.inject({ method: 'GET', url: '/api/interviews', headers: api });
    const until = Date.now() + 15_000;
    while (Date.now() < until && !(await t.store.events.list(interview.id, { types: ['call.ended'] })).length) await new Promise((r) => setTimeout(r, 50));
  }, 180_000);
  afterAll(async () => t?.close());

  it('captured a real log (the flows ran and logged at trace level)', () => {
    if (process.env.DUMP_LOG) process.stderr.write(lines.join(''));
    expect(lines.length).toBeGreaterThan(20);
    const all = lines.join('');
    expect(all).toContain('media stream started');
    expect(all).toContain('"url":"/w/[redacted]/no-such-page"');
  });

  it('no configured secret, issued or refused token, stream or link token, or signature appears in any line', () => {
    const all = lines.join('');
    const secrets = { ...SECRETS, ...found };
    const leaks = Object.entries(secrets).filter(([, value]) => value.length >= 12 && all.includes(value)).map(([name]) => name);
    expect(leaks).toEqual([]);
    // Each value was real (the test would fail if a flow had produced no token to look for).
    expect(Object.values(found).every((v) => typeof v === 'string' && v.length >= 12)).toBe(true);
  });

  it('link tokens in paths are masked by the request serializer', () => {
    expect(redactUrl('/w/abcDEF123_-/live')).toBe('/w/[redacted]/live');
    expect(redactUrl('/practice/tok123?x=1')).toBe('/practice/[redacted]?x=1');
    expect(redactUrl('/c/tok')).toBe('/c/[redacted]');
    expect(redactUrl('/w/assets/index.js')).toBe('/w/assets/index.js');
    expect(redactUrl('/api/interviews/1')).toBe('/api/interviews/1');
  });
});
