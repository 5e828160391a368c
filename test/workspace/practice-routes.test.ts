/**
 * The practice line's edge against the real app on a loopback port: the recruiter's link (bearer, hashed at rest),
 * unknown / expired / used links refused with a friendly page, the claim that binds the link to one CallSid, the
 * media socket refusing foreign CallSids and malformed frames, and a typed answer reaching the live call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sql } from 'drizzle-orm';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { createPracticeRepo } from '../../src/store/repos/practice.js';
import { rowsOf } from '../../src/store/db.js';
import { buildWeb } from '../../src/workspace/web-assets.js';

interface Started {
  callSid: string;
  streamSid: string;
  accountSid: string;
  streamToken: string;
  mediaPath: string;
  workspaceUrl: string;
}

describe('practice line routes', () => {
  let t: ListeningApp;
  let interviewId: string;

  const createInterview = async () => (await t.store.interviews.create({ candidate: { name: 'Grace Hopper', phone: '+14155550177' }, role: { title: 'Platform Engineer' } })).id;
  const issue = async (id = interviewId) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${id}/practice-link`, headers: t.auth });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ url: string; linkId: string; expiresAt: string }>();
    return { ...body, token: body.url.split('/practice/')[1]! };
  };
  const events = async (id: string, type: string) => (await t.store.events.list(id, { types: [type] })).map((e) => e.payload);
  const openSocket = async (path: string, origin?: string) => {
    const ws = new WebSocket(t.url.replace(/^http/, 'ws') + path, origin ? { headers: { origin } } : {});
    const received: Record<string, unknown>[] = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, received, closed };
  };
  const startMessage = (s: Started, callSid = s.callSid) =>
    JSON.stringify({
      event: 'start',
      sequenceNumber: '1',
      streamSid: s.streamSid,
      start: { accountSid: s.accountSid, streamSid: s.streamSid, callSid, tracks: ['inbound'], customParameters: { token: s.streamToken }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
    });
  const startCall = async (token: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/practice/${token}/call`, payload: { mode: 'typed' } });
    expect(res.statusCode).toBe(201);
    return res.json<Started>();
  };

  beforeAll(async () => {
    await buildWeb();
    t = await startListeningApp();
    interviewId = await createInterview();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('issues a practice link to a bearer holder only, stores only its hash, and logs no raw token', async () => {
    const anon = await t.app.inject({ method: 'POST', url: `/api/interviews/${interviewId}/practice-link` });
    expect(anon.statusCode).toBe(401);
    const missing = await t.app.inject({ method: 'POST', url: '/api/interviews/00000000-0000-4000-8000-000000000000/practice-link', headers: t.auth });
    expect(missing.statusCode).toBe(404);

    const link = await issue();
    expect(link.url.startsWith(`${t.url}/practice/`)).toBe(true);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(link.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3_600_000);
    const rows = rowsOf<{ token_hash: string }>(await t.store.db.execute(sql`select token_hash from practice_links`));
    expect(rows.some((r) => r.token_hash === link.token)).toBe(false);
    const [issued] = await events(interviewId, 'practice.link_issued');
    expect(issued).toMatchObject({ linkId: link.linkId });
    expect(JSON.stringify(issued)).not.toContain(link.token);
  });

  it('refuses a practice link for an interview that is no longer scheduled', async () => {
    const id = await createInterview();
    await t.store.interviews.transition(id, 'completed');
    const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${id}/practice-link`, headers: t.auth });
    expect(res.statusCode).toBe(409);
  });

  it('serves the page with the workspace security headers and the microphone allowed', async () => {
    const { token } = await issue();
    const res = await t.app.inject({ method: 'GET', url: `/practice/${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('practice-root');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['permissions-policy']).toContain('microphone=(self)');
    const info = await t.app.inject({ method: 'GET', url: `/practice/${token}/info` });
    expect(info.json()).toMatchObject({ candidate: 'Grace Hopper', role: 'Platform Engineer', transcription: 'simulator' });
  });

  it('refuses unknown, malformed and expired links with a friendly page', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: `/practice/${'A'.repeat(43)}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('data-kind="unknown"');
    expect(unknown.body).not.toMatch(/stack|Error:/);
    const malformed = await t.app.inject({ method: 'GET', url: '/practice/short' });
    expect(malformed.statusCode).toBe(404);
    expect(malformed.headers['content-security-policy']).toBeDefined();

    const expired = await createPracticeRepo(t.store.db).issue({ interviewId, tenantId: 'default', maxAgeMs: 0 });
    const res = await t.app.inject({ method: 'GET', url: `/practice/${expired.token}` });
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('data-kind="expired"');
    expect(await events(interviewId, 'practice.link_refused')).toContainEqual({ linkId: expired.linkId, reason: 'expired' });
    const call = await t.app.inject({ method: 'POST', url: `/practice/${expired.token}/call`, payload: { mode: 'voice' } });
    expect(call.statusCode).toBe(410);
  });

  it('lets one call claim a link; the link is then used', async () => {
    const { token } = await issue();
    const started = await startCall(token);
    expect(started.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(started.workspaceUrl.startsWith(`${t.url}/w/`)).toBe(true);
    const again = await t.app.inject({ method: 'POST', url: `/practice/${token}/call`, payload: { mode: 'typed' } });
    expect(again.statusCode).toBe(410);
    const page = await t.app.inject({ method: 'GET', url: `/practice/${token}` });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('data-kind="used"');
    const foreign = await t.app.inject({ method: 'POST', url: `/practice/${token}/answer`, headers: { origin: 'https://evil.example' }, payload: { text: 'hi' } });
    expect(foreign.statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'POST', url: `/practice/${token}/call`, payload: { mode: 'both' } });
    expect(bad.statusCode).toBe(400);
  });

  it('closes the media socket for an unknown link, a foreign origin and a CallSid the link did not mint', async () => {
    const unknown = await openSocket(`/practice/${'B'.repeat(43)}/media`);
    expect((await unknown.closed).code).toBe(1008);

    const { token } = await issue(await createInterview());
    const started = await startCall(token);
    const foreign = await openSocket(started.mediaPath, 'https://evil.example');
    expect((await foreign.closed).code).toBe(4403);

    const s = await openSocket(started.mediaPath);
    s.ws.send(startMessage(started, 'CA' + 'f'.repeat(32)));
    const closed = await s.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('does not belong');
  });

  it('runs the practice call on the phone path: malformed frames dropped, start accepted, a typed answer recorded', async () => {
    const id = await createInterview();
    const { token } = await issue(id);
    const started = await startCall(token);
    const before = await t.app.inject({ method: 'POST', url: `/practice/${token}/answer`, payload: { text: 'too early' } });
    expect(before.statusCode).toBe(409);

    const s = await openSocket(started.mediaPath);
    s.ws.send('{not json');
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    s.ws.send(JSON.stringify({ event: 'media', streamSid: started.streamSid, media: { payload: '!!' } }));
    s.ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    s.ws.send(startMessage(started));
    // Echo marks as a caller does, so the agent's opening can finish.
    s.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { event: string; mark?: { name: string } };
      if (m.event === 'mark') s.ws.send(JSON.stringify({ event: 'mark', sequenceNumber: '9', streamSid: started.streamSid, mark: { name: m.mark!.name } }));
    });
    await expect.poll(async () => (await events(id, 'call.stream_started')).length, { timeout: 10_000 }).toBe(1);
    const [stream] = await events(id, 'call.stream_started');
    expect(stream).toMatchObject({ callSid: started.callSid, streamSid: started.streamSid });
    expect(t.app.metrics.mediaFramesRejected).toBeDefined();

    const answer = await t.app.inject({ method: 'POST', url: `/practice/${token}/answer`, payload: { text: '  Yes, I agree to continue.  ' } });
    expect(answer.statusCode).toBe(202);
    expect(await events(id, 'transcript.typed')).toEqual([{ text: 'Yes, I agree to continue.', chars: 25 }]);
    expect(await events(id, 'transcript.final')).toContainEqual(expect.objectContaining({ text: 'Yes, I agree to continue.', confidence: 1, speechFinal: true }));
    const empty = await t.app.inject({ method: 'POST', url: `/practice/${token}/answer`, payload: { text: '' } });
    expect(empty.statusCode).toBe(400);

    // The feed the page polls: the agent's lines as they are spoken, read from the log.
    const feed = await t.app.inject({ method: 'GET', url: `/practice/${token}/transcript?after=0` });
    expect(feed.statusCode).toBe(200);

    s.ws.send(JSON.stringify({ event: 'stop', sequenceNumber: '10', streamSid: started.streamSid, stop: { accountSid: started.accountSid, callSid: started.callSid } }));
    await s.closed;
    await expect.poll(async () => (await events(id, 'call.ended')).length, { timeout: 10_000 }).toBe(1);
    const after = await t.app.inject({ method: 'POST', url: `/practice/${token}/answer`, payload: { text: 'still there?' } });
    expect(after.statusCode).toBe(409);
    const ended = await t.app.inject({ method: 'GET', url: `/practice/${token}/transcript?after=0` });
    expect(ended.json<{ ended: { reason: string } | null }>().ended).toMatchObject({ reason: 'stop' });
  }, 30_000);
});
