/**
 * The reproduction from issue 8: the candidate says "hello?" over the (uninterruptible) opening and hangs up
 * 300 ms later, before the opening ends. The deferred turn must not outlive the call, and nothing about this call
 * may reach the process: /health keeps answering and a second, concurrent call carries on.
 */
import { callEvents } from '../../src/store/events/call-events.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { waitFor } from '../helpers/wait-for.js';

describe('a caller who speaks over the opening and hangs up', () => {
  let t: ListeningApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await startListeningApp();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t.close();
  });

  it('ends only that call: no unhandled rejection, /health answers, the other call goes on, the status says incomplete', async () => {
    const other = await t.store.interviews.create({ candidate: { name: 'Other Caller', phone: '+14155550101' }, role: { title: 'Backend Engineer' } });
    const otherCall = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: other.id });
    await otherCall.start();
    expect(await otherCall.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);

    const interview = await t.store.interviews.create({ candidate: { name: 'Early Hangup', phone: '+14155550102' }, role: { title: 'Backend Engineer' } });
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    registerScript(call.callSid, { id: 'hello', lines: [{ text: 'Hello?' }] });
    await call.start();
    expect(await call.waitForAgentSpeech({ timeoutMs: 20_000 })).toBe(true);
    // A second of speech during the opening, then hang up 300 ms later.
    await call.say('Hello? Hello? Is anyone there?');
    await new Promise((r) => setTimeout(r, 300));
    await call.hangup();

    const ended = await waitFor(() => t.store.interviews.get(interview.id), (i) => i?.status !== 'in_progress');
    expect(ended?.status).toBe('incomplete');
    expect(ended?.stageReached).toBe('greeting');
    const events = await waitFor(() => t.store.events.list(interview.id), (ev) => ev.some((e) => e.type === 'call.ended'));
    // call.ended is the call's last word; of the call's own events only Twilio's status callback may follow it
    // (scoring and report events written by the jobs the end enqueued may, too).
    const endedAt = events.findIndex((e) => e.type === 'call.ended');
    expect(events.slice(endedAt + 1).filter((e) => Object.hasOwn(callEvents, e.type) && e.type !== 'call.status')).toEqual([]);
    expect(events[endedAt]?.payload).toMatchObject({ reason: 'stop', stageReached: 'greeting', status: 'incomplete' });
    // Wait past the point where the deferred turn would have run.
    await new Promise((r) => setTimeout(r, 1500));
    expect(unhandled).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    // The other call is still connected and still being spoken to.
    expect(otherCall.isEnded).toBe(false);
    await otherCall.hangup();
    const otherEnded = await waitFor(() => t.store.interviews.get(other.id), (i) => i?.status !== 'in_progress');
    expect(otherEnded?.status).toBe('incomplete');
    expect((await t.app.metrics.liveCalls.get()).values[0]?.value).toBe(0);
  }, 90_000);
});
