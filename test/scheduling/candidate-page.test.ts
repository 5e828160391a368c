/** The candidate's page through app.inject: before the interview (time, reschedule, opt out), after it (record, review, erasure). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { scheduleCall } from '../../src/scheduling/scheduler.js';
import { issueCandidateLink } from '../../src/scheduling/heads-up.js';
import { schedulingRepo } from '../../src/scheduling/repo.js';
import { readOutbox } from '../../src/workspace/sms.js';

describe('the candidate page /c/<token>', () => {
  let t: TestApp;
  const clock = { now: new Date('2026-03-04T03:40:00Z') }; // Tue 21:40 Chicago
  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: 'https://screen.example.com', CALL_HEADS_UP_LEAD_MS: '120000' }, { scheduling: { now: () => clock.now, poller: false } });
  }, 180_000);
  afterAll(async () => t?.close());

  const form = (url: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(body).toString() });

  async function planned(phone: string) {
    const i = await t.store.interviews.create({ candidate: { name: 'Grace Hopper', phone }, role: { title: 'Backend Engineer' }, hiringManagerEmail: 'hm@example.com' });
    await scheduleCall(t.app.scheduling, { interviewId: i.id, tenantId: 'default', reason: 'created' });
    const texts = await readOutbox(t.dataDir, { to: phone });
    const token = /\/c\/([A-Za-z0-9_-]{43})/.exec(texts.at(-1)!.body)![1]!;
    return { id: i.id, token };
  }

  it('before the interview: the time in their zone, permitted slots only, strict headers', async () => {
    const { id, token } = await planned('+13125550401');
    const res = await t.app.inject({ url: `/c/${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('Wednesday 4 March at 09:00 CST');
    expect(res.body).not.toContain('<script');
    const slots = [...res.body.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]!);
    expect(slots.length).toBeGreaterThan(50);
    // Every offered slot is 09:00–19:30 Chicago on a weekday.
    for (const s of slots) {
      const local = new Date(s).toLocaleString('en-US', { timeZone: 'America/Chicago', weekday: 'short', hour: '2-digit', hour12: false });
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? (09|1[0-9])$/);
    }
    expect(slots).not.toContain('2026-03-07T16:00:00.000Z'); // Saturday
    expect((await t.store.events.list(id, { types: ['candidate.link_opened'] }))[0]!.payload).toMatchObject({ phase: 'before' });

    // Pick Thursday 14:30 Chicago.
    const pick = slots.find((s) => s === '2026-03-05T20:30:00.000Z')!;
    const moved = await form(`/c/${token}/reschedule`, { slot: pick });
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe(`/c/${token}?done=rescheduled`);
    expect((await schedulingRepo(t.store.db).pendingFor(id))!.dueAt.toISOString()).toBe(pick);
    expect((await t.store.events.list(id, { types: ['candidate.rescheduled'] }))[0]!.payload).toMatchObject({ requested: pick, at: pick });
    expect((await t.app.inject({ url: `/c/${token}?done=rescheduled` })).body).toContain('your call has been moved');

    // A time outside the offered slots (Saturday, or 22:00) is refused with the page and a message.
    const bad = await form(`/c/${token}/reschedule`, { slot: '2026-03-07T16:00:00.000Z' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('please pick one of the times offered');
    expect((await schedulingRepo(t.store.db).pendingFor(id))!.dueAt.toISOString()).toBe(pick);
    // Another site cannot post the form, even with the token.
    expect((await form(`/c/${token}/reschedule`, { slot: pick }, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await form(`/c/${token}/reschedule`, { slot: pick }, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
  });

  it('opting out through the link cancels the call and hides the reschedule form', async () => {
    const { id, token } = await planned('+13125550402');
    const res = await t.app.inject({ method: 'POST', url: `/c/${token}/opt-out` });
    expect(res.statusCode).toBe(303);
    expect(await schedulingRepo(t.store.db).pendingFor(id)).toBeNull();
    expect((await t.store.events.list(id, { types: ['candidate.opted_out'] }))[0]!.payload).toMatchObject({ source: 'link', canceledScheduledCall: true });
    const page = await t.app.inject({ url: `/c/${token}?done=opted_out` });
    expect(page.body).toContain('we will not call or text you again');
    expect(page.body).not.toContain('name="slot"');
  });

  it('unknown, malformed and expired links get a friendly 404', async () => {
    expect((await t.app.inject({ url: `/c/${'x'.repeat(43)}` })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/c/short' })).body).toContain('This link does not work');
    const i = await t.store.interviews.create({ candidate: { name: 'Old Link', phone: '+13125550403' }, role: { title: 'X' } });
    const { token } = await issueCandidateLink({ store: t.store, config: t.config, now: () => new Date('2025-01-01T00:00:00Z') }, (await t.store.interviews.get(i.id))!);
    expect((await t.app.inject({ url: `/c/${token}` })).statusCode).toBe(404);
  });

  it('after the interview: the transcript and the cited evidence; review and erasure requests reach the hiring manager', async () => {
    const { id, token } = await planned('+13125550404');
    // A finished interview: transcript events and a scorecard citing the candidate's words.
    await t.store.events.append(id, 'call.stream_started', { callSid: 'CA' + '4'.repeat(32), streamSid: 'MZ1', tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } });
    await t.store.events.append(id, 'agent.speech', { replyId: 'r1', planned: 'Tell me about a system you built.', heard: 'Tell me about a system you built.', interrupted: false });
    const turn = await t.store.events.append(id, 'transcript.turn', { text: 'I built a <b>queue</b> on Postgres with SKIP LOCKED.', endReason: 'silence', bargedIn: false });
    await t.store.interviews.transition(id, 'completed');
    const { interviewScores } = await import('../../src/store/schema-scoring.js');
    await t.store.db.insert(interviewScores).values({
      interviewId: id, rubricId: 'backend', rubricVersion: 1, scorerVersion: 'offline-1', promptVersion: 'p1', revision: 1, status: 'done', band: 'yes', completedAt: new Date(),
      scorecard: { dimensions: [{ name: 'System design', evidence: [{ kind: 'quote', seq: turn.seq, clock: '0:12', quote: 'a queue on Postgres with SKIP LOCKED' }] }], gates: [] },
    } as never);
    const page = await t.app.inject({ url: `/c/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('What was recorded');
    expect(page.body).toContain('I built a &lt;b&gt;queue&lt;/b&gt; on Postgres'); // escaped
    expect(page.body).toContain('Tell me about a system you built.');
    expect(page.body).toContain('System design');
    expect(page.body).toContain('a queue on Postgres with SKIP LOCKED');
    expect(page.body).not.toContain('name="slot"');

    const review = await form(`/c/${token}/review`, { message: 'I think the second answer was misheard.' });
    expect(review.statusCode).toBe(303);
    const erasure = await form(`/c/${token}/erasure`, { message: '' });
    expect(erasure.statusCode).toBe(303);
    const ev = await t.app.inject({ url: `/api/interviews/${id}/events?types=candidate.review_requested,candidate.erasure_requested`, headers: t.auth });
    expect(ev.json().events.map((e: { type: string; payload: { notified: boolean } }) => [e.type, e.payload.notified])).toEqual([
      ['candidate.review_requested', true],
      ['candidate.erasure_requested', true],
    ]);
    // The local adapter writes .eml files with base64 text parts: decode each part to read it.
    const decode = (eml: string) => eml + [...eml.matchAll(/base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('utf8')).join('\n');
    const mails = await Promise.all((await readdir(join(t.dataDir, 'outbox', 'email'))).filter((f) => f.endsWith('.eml')).map(async (f) => decode(await readFile(join(t.dataDir, 'outbox', 'email', f), 'utf8'))));
    const reviewMail = mails.find((m) => m.includes('human review'))!;
    expect(reviewMail).toContain('To: hm@example.com');
    expect(reviewMail).toContain('the second answer was misheard');
    expect(mails.some((m) => /erased/.test(m) && m.includes('To: hm@example.com'))).toBe(true);
    expect((await t.app.inject({ url: `/c/${token}` })).body).toContain('data-testid="review-sent"');
  });

  it('review and erasure wait until the interview has taken place', async () => {
    const { token } = await planned('+13125550405');
    const res = await form(`/c/${token}/review`, { message: 'x' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('once your interview has taken place');
  });
});
