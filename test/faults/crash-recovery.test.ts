/**
 * kill -9 mid-call, in real `screenline serve` processes on one PostgreSQL database: the dead process's call is
 * found by its stale heartbeat in a new process, marked `interrupted` (`call.interrupted`, the log written before
 * the crash intact), and a callback is planned; the callback's interviewer, rebuilt from the event log, opens with
 * "we were cut off", picks up at the stage reached and does not ask the answered question again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { createLogger } from '../../src/lib/logger.js';
import { RESUME_OPENING } from '../../src/interview/interviewer.js';
import { liveCallsRepo } from '../../src/interview/recovery/live-calls-repo.js';
import { checkPostgres, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { agentLines, candidateCall, createInterview, startServer, startSims, waitFor, type ServerProcess, type Sims } from './harness.js';

const pg = await checkPostgres();
const RECOVERY_ENV = { HEARTBEAT_INTERVAL_MS: '200', HEARTBEAT_STALE_MS: '1500', RECOVERY_SWEEP_INTERVAL_MS: '300', DRAIN_TIMEOUT_MS: '3000' };
const CONSENT = 'Yes I agree to continue.';
const INTRO_ANSWER = 'I build backend services in Go and I like owning them in production.';
const EXPERIENCE_ANSWER = 'I led the move of our billing service to an event log with Kafka.';

describe.skipIf(!pg.ok)('crash recovery: kill -9 mid-call, then a new process', () => {
  let sims: Sims;
  let db: TestDatabase;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    sims = await startSims();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await sims?.close();
    await db?.drop();
  });

  it('sweeps the dead call to interrupted, plans a callback, and the callback resumes without repeating the answered question', async () => {
    const a = await startServer(sims, { DATABASE_URL: db.url, ...RECOVERY_ENV });
    servers.push(a);
    const id = await createInterview(a, 'Kim Killed');
    const first = await candidateCall(a, id, [CONSENT, INTRO_ANSWER]);
    await first.call.waitForAgentSpeech({ timeoutMs: 20_000 });
    await first.call.waitForAgentSilence(700, { timeoutMs: 30_000 });
    await first.say(CONSENT);
    // The introduction question is heard in full; the candidate answers it; the experience question follows.
    const introQuestion = (await waitFor('the introduction question', async () => (await agentLines(a, id))[1])).heard;
    await first.call.waitForAgentSilence(500, { timeoutMs: 20_000 });
    await first.say(INTRO_ANSWER);
    const experienceLine = await waitFor('the experience question', async () => (await agentLines(a, id))[2]);
    await waitFor('the heartbeat row', async () => {
      const store = await openStore({ databaseUrl: db.url, dataDir: '/tmp', log: createLogger('silent') });
      try {
        const rows = await liveCallsRepo(store.db).list();
        return rows.find((r) => r.interviewId === id)?.stage === 'experience';
      } finally {
        await store.close();
      }
    }, 5000);

    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    const before = await (async () => {
      const store = await openStore({ databaseUrl: db.url, dataDir: '/tmp', log: createLogger('silent') });
      try {
        return { status: (await store.interviews.get(id))?.status, events: await store.events.list(id) };
      } finally {
        await store.close();
      }
    })();
    expect(before.status).toBe('in_progress');
    expect(before.events.some((e) => e.type === 'call.ended')).toBe(false);

    const b = await startServer(sims, { DATABASE_URL: db.url, ...RECOVERY_ENV });
    servers.push(b);
    const interrupted = await waitFor('the sweep', async () => (await b.events(id, ['call.interrupted']))[0], 15_000);
    expect(interrupted.payload).toMatchObject({ reason: 'process_died', callSid: first.call.callSid, stageReached: 'experience' });
    const callback = await waitFor('the callback', async () => (await b.events(id, ['schedule.decided'])).find((e) => e.payload.reason === 'callback'));
    expect(callback.payload).toMatchObject({ outcome: 'scheduled' });
    // The interview shows how the call ended until the callback dials (the dial job reopens it).
    expect(await b.status(id)).toBe('interrupted');
    // The log written before the crash is intact, in order, under the sweep's event.
    const after = await b.events(id);
    expect(after.slice(0, before.events.length).map((e) => e.seq)).toEqual(before.events.map((e) => e.seq));
    expect(after.findIndex((e) => e.type === 'call.interrupted')).toBeGreaterThanOrEqual(before.events.length);

    // The callback dial: the dial job reopens the interview and placeCall attaches the new CallSid before Twilio
    // asks for TwiML.
    const store = await openStore({ databaseUrl: db.url, dataDir: '/tmp', log: createLogger('silent') });
    await store.interviews.transition(id, 'scheduled', { from: ['interrupted'] });
    const second = await candidateCall(b, id, [CONSENT, EXPERIENCE_ANSWER], async (callSid) => void (await store.interviews.attachCallSid(id, callSid)));
    await store.close();
    await second.call.waitForAgentSpeech({ timeoutMs: 20_000 });
    const opening = await waitFor('the callback opening', async () => (await agentLines(b, id)).find((l) => l.replyId && l.planned.startsWith(RESUME_OPENING)));
    expect(opening.heard.length).toBeGreaterThan(0);
    await second.call.waitForAgentSilence(700, { timeoutMs: 30_000 });
    await second.say(CONSENT);
    const resumed = await waitFor('interview.resumed', async () => (await b.events(id, ['interview.resumed']))[0]);
    expect(resumed.payload).toMatchObject({ fromStage: 'experience', interruptedBy: 'process_died' });
    expect((resumed.payload.skippedQuestions as string[]).length).toBeGreaterThanOrEqual(1);
    const stages = await waitFor('the resume stage', async () => (await b.events(id, ['interview.stage'])).find((e) => e.payload.reason === 'resume'));
    expect(stages.payload).toMatchObject({ from: 'greeting', to: 'experience' });
    // What the candidate hears after consent on the callback: the experience question again (it was not answered), not the introduction.
    const lines = await waitFor('the first question of the callback', async () => {
      const all = await agentLines(b, id);
      const i = all.indexOf(all.find((l) => l.planned.startsWith(RESUME_OPENING))!);
      return all.length > i + 1 ? all.slice(i + 1) : undefined;
    });
    const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
    expect(squash(lines[0]!.planned)).not.toContain(squash(introQuestion));
    expect(squash(lines[0]!.planned)).toContain(squash(experienceLine.planned).replace(/^(Thanks|Okay|Got it|Understood|Alright)\. /, ''));
    await second.call.hangup();
    expect(await b.stop()).toBe(0);
  }, 180_000);
});
