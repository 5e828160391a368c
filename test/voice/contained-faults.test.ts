/**
 * Stage tests for fault containment: whatever throws inside one call ends that call gracefully (an apology when the
 * line is up, `call.error`, a terminal end) and nothing reaches the process as an unhandled rejection.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sttTranscript } from '../../src/providers/testing/index.js';
import { APOLOGY_LINE } from '../../src/voice/call-session.js';
import type { SpokenReply } from '../../src/voice/agent.js';
import { ScriptedAgent, startHarness, type Harness } from '../helpers/voice-harness.js';

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

let h: Harness | undefined;
afterEach(async () => {
  await h?.session.end('hangup');
  h = undefined;
  await new Promise((r) => setTimeout(r, 50));
  expect(unhandled).toEqual([]);
});

const LONG_OPENING = 'This call is recorded and transcribed by an AI interviewer. It may take a little while to say all of this. Do you agree?';

describe('contained faults', () => {
  it('a turn said over the opening, then a hang-up before the opening ends: the deferred turn never runs and nothing throws', async () => {
    const agent = new ScriptedAgent([{ text: 'Thanks.' }], LONG_OPENING);
    h = await startHarness(agent);
    const x = h;
    await x.waitFor(() => x.transport.sent.some((s) => s.type === 'audio'));
    x.stt.last!.push(sttTranscript('hello?', { isFinal: true, speechFinal: true }));
    await new Promise((r) => setTimeout(r, 300));
    await x.session.end('stop');
    await x.session.settled(2000);
    expect(agent.turns).toEqual([]);
    expect(x.eventsOf('call.error')).toEqual([]);
    expect(x.events.at(-1)?.type).toBe('call.ended');
    // Speaking after the end is a no-op, not a throw.
    await expect(x.session.say('Anyone there?')).resolves.toMatchObject({ skipped: true });
  });

  it('a bug in the agent (onSpoken throws) ends only this call: apology, call.error, ended with reason error', async () => {
    class BuggyAgent extends ScriptedAgent {
      override onSpoken(reply: SpokenReply): void {
        super.onSpoken(reply);
        if (reply.replyId !== 'greeting') throw new Error('interviewer bug');
      }
    }
    const agent = new BuggyAgent([{ text: 'Tell me about yourself.' }]);
    h = await startHarness(agent);
    const x = h;
    await x.waitFor(() => agent.openingDone);
    x.stt.last!.push(sttTranscript('Yes I agree.', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => x.eventsOf('call.ended').length === 1, 15_000);
    expect(x.eventsOf('call.error')[0]?.payload).toMatchObject({ where: 'reply', error: 'interviewer bug', apologised: true });
    expect(x.tts.texts.join(' ')).toContain(APOLOGY_LINE);
    expect(x.eventsOf('call.ended')[0]?.payload).toMatchObject({ reason: 'error', cause: 'internal_error' });
    expect(x.session.isEnded).toBe(true);
  });

  it('a transport that throws from the pacer timer ends the call instead of crashing the process', async () => {
    const agent = new ScriptedAgent([{ text: 'Tell me about yourself.' }]);
    h = await startHarness(agent);
    const x = h;
    await x.waitFor(() => agent.openingDone);
    const original = x.transport.sendMark.bind(x.transport);
    let thrown = false;
    x.transport.sendMark = (name: string) => {
      if (!thrown) {
        thrown = true;
        throw new Error('socket write failed');
      }
      original(name);
    };
    x.stt.last!.push(sttTranscript('Yes I agree.', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => x.eventsOf('call.ended').length === 1, 15_000);
    expect(x.eventsOf('call.error')[0]?.payload).toMatchObject({ where: 'transport', error: 'socket write failed' });
  });

  it('an agent that throws synchronously fails only that reply (agent.error) and the call carries on', async () => {
    class ThrowingAgent extends ScriptedAgent {
      override respond(): AsyncIterable<never> {
        throw new Error('respond exploded synchronously');
      }
    }
    const agent = new ThrowingAgent([]);
    h = await startHarness(agent);
    const x = h;
    await x.waitFor(() => agent.openingDone);
    x.stt.last!.push(sttTranscript('Yes I agree.', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => x.eventsOf('agent.error').length === 1);
    expect(x.eventsOf('agent.error')[0]?.payload).toMatchObject({ error: 'respond exploded synchronously' });
    expect(x.eventsOf('call.error')).toEqual([]);
    expect(x.session.isEnded).toBe(false);
  });
});
