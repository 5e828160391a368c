/**
 * SIGTERM with a live call, in a real `screenline serve` process: /ready turns 503 at once, a new call's voice
 * webhook is answered with a spoken refusal, an ATS delivery gets 503 + Retry-After, the live call goes on until
 * DRAIN_TIMEOUT_MS, then hears the closing line and ends as `interrupted` with a callback planned; the process
 * exits 0 by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { createLogger } from '../../src/lib/logger.js';
import { DRAIN_CLOSING_LINE } from '../../src/interview/recovery/drain.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { checkPostgres, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { AUTH_TOKEN, agentLines, candidateCall, createInterview, startServer, startSims, waitFor, type Sims } from './harness.js';

const pg = await checkPostgres();

describe.skipIf(!pg.ok)('draining on SIGTERM with a live call', () => {
  let sims: Sims;
  let db: TestDatabase;
  beforeAll(async () => {
    sims = await startSims();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await sims?.close();
    await db?.drop();
  });

  it('refuses new work, lets the call run to DRAIN_TIMEOUT_MS, closes it with the callback line, plans the callback, exits 0', async () => {
    const server = await startServer(sims, { DATABASE_URL: db.url, DRAIN_TIMEOUT_MS: '2500' });
    try {
      const id = await createInterview(server, 'Dana Drain');
      const other = await createInterview(server, 'Nora New');
      const { call, say } = await candidateCall(server, id, ['Yes I agree to continue.', 'I build backend services in Go.']);
      expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
      await call.waitForAgentSilence(700, { timeoutMs: 30_000 });
      await say('Yes I agree to continue.');
      // The first question is being asked: the call is well into the interview when the drain starts.
      await waitFor('the first question', async () => (await server.events(id, ['interview.stage'])).length > 0);

      const sigtermAt = Date.now();
      server.child.kill('SIGTERM');
      const ready = await waitFor('/ready 503', async () => {
        const res = await fetch(`${server.url}/ready`);
        return res.status === 503 ? ((await res.json()) as { status: string }) : undefined;
      }, 5000);
      expect(ready.status).toBe('not_ready');

      // A new call is refused with words (TwiML), not a dead line.
      const fresh = new SimulatedCall({ serverUrl: server.url, authToken: AUTH_TOKEN, interviewId: other });
      const dial = await fresh.dial();
      expect(dial.outcome).toBe('hangup');
      expect(dial.verbs.some((v) => v.verb === 'Say')).toBe(true);
      // A webhook delivery is told to come back later.
      const hook = await fetch(`${server.url}/webhooks/ats/generic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(hook.status).toBe(503);
      expect(hook.headers.get('retry-after')).toBe('30');

      // The live call keeps going during the drain: it is still up well after SIGTERM.
      await new Promise((r) => setTimeout(r, 1000));
      expect(call.isEnded).toBe(false);

      const end = await call.ended;
      expect(Date.now() - sigtermAt).toBeGreaterThanOrEqual(2000);
      expect(end.reason).not.toBe('dropped');
      // What the caller heard last: the closing reply's marks reached the caller and were echoed.
      expect(call.marksReceived.some((m) => m.name.startsWith('closing'))).toBe(true);
      expect(await server.exited).toBe(0);
      expect(server.output()).not.toMatch(/exiting now|drain exceeded/);

      const store = await openStore({ databaseUrl: db.url, dataDir: '/tmp', log: createLogger('silent') });
      try {
        const events = await store.events.list(id);
        const types = events.map((e) => e.type);
        const closing = events.find((e) => e.type === 'agent.speech' && e.payload.planned === DRAIN_CLOSING_LINE);
        expect(closing?.payload.heard).toBeTruthy();
        expect(events.find((e) => e.type === 'call.ended')?.payload).toMatchObject({ reason: 'draining', status: 'interrupted' });
        expect(events.find((e) => e.type === 'call.interrupted')?.payload).toMatchObject({ reason: 'draining', stageReached: 'introduction' });
        expect(events.find((e) => e.type === 'schedule.decided' && e.payload.reason === 'callback')?.payload).toMatchObject({ outcome: 'scheduled' });
        expect(types.indexOf('call.ended')).toBeLessThan(types.indexOf('call.interrupted'));
        // The interview shows how the last call ended until the callback dials; the callback's time is set.
        const after = await store.interviews.get(id);
        expect(after?.status).toBe('interrupted');
        expect(after?.scheduledAt).toBeInstanceOf(Date);
        const refused = await store.events.list(other, { types: ['call.refused'] });
        expect(refused[0]?.payload).toMatchObject({ reason: 'draining' });
      } finally {
        await store.close();
      }
      void agentLines;
    } finally {
      await server.stop();
    }
  }, 150_000);
});
