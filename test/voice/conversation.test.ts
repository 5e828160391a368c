/** Stage tests for the conversation loop: event sequences in, transport actions and agent calls out. */
import { afterEach, describe, expect, it } from 'vitest';
import { sttTranscript } from '../../src/providers/testing/index.js';
import { ProviderError } from '../../src/providers/errors.js';
import { LINES } from '../../src/voice/conversation.js';
import { ScriptedAgent, startHarness, type Harness } from '../helpers/voice-harness.js';

const LONG = 'First, tell me about a system you built. Second, what was hard about it. Third, what would you change now. Fourth, how did you test it.';

let h: Harness | undefined;
afterEach(async () => {
  await h?.session.end('hangup');
  h = undefined;
});

async function pastOpening(agent: ScriptedAgent, opts = {}): Promise<Harness> {
  h = await startHarness(agent, opts);
  await h.waitFor(() => agent.openingDone);
  return h;
}

/** The caller says `text`: STT final with endpoint. */
function say(x: Harness, text: string) {
  x.stt.last!.push(sttTranscript(text, { isFinal: true, speechFinal: true }));
}

describe('conversation loop', () => {
  it('speaks the opening, then answers a turn with the agent reply and records metrics', async () => {
    const agent = new ScriptedAgent([{ text: 'Great. Tell me about yourself.' }]);
    const x = await pastOpening(agent);
    expect(x.tts.texts[0]).toMatch(/This call is recorded/);
    say(x, 'Yes, I agree.');
    await x.waitFor(() => x.eventsOf('turn.metrics').length === 1);
    expect(agent.turns).toMatchObject([{ text: 'Yes, I agree.', bargedIn: false }]);
    const spoken = agent.spoken.at(-1)!;
    expect(spoken).toMatchObject({ planned: 'Great. Tell me about yourself.', heard: 'Great. Tell me about yourself.', interrupted: false });
    const m = x.eventsOf('turn.metrics')[0]!.payload;
    expect(m.firstFrameMs).toBeTypeOf('number');
    expect(m.ttsFirstByteMs).toBeTypeOf('number');
  });

  it('greeting guard: the opening cannot be interrupted and no reply starts before it ends', async () => {
    const agent = new ScriptedAgent([{ text: 'Thanks.' }], 'This call is recorded and transcribed by an AI interviewer. It may take a little while to say all of this. Do you agree?');
    h = await startHarness(agent);
    const x = h;
    await x.waitFor(() => x.transport.sent.some((s) => s.type === 'audio'));
    await x.speak(300); // loud speech over the opening
    x.stt.last!.push(sttTranscript('yes yes I agree', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => agent.openingDone);
    expect(x.transport.clears()).toBe(0);
    await x.waitFor(() => agent.turns.length === 1);
    expect(agent.respondCalledBeforeOpeningDone).toBe(false);
    expect(agent.turns[0]!.text).toBe('yes yes I agree');
  });

  it('barge-in: clear is sent, the LLM and TTS are cancelled, no audio of the reply follows, history holds only the heard part', async () => {
    const agent = new ScriptedAgent([{ text: LONG, deltaDelayMs: 40 }, { text: 'Sure, go ahead.' }]);
    const x = await pastOpening(agent);
    say(x, 'Yes.');
    // Let the first sentence play, then talk over the agent.
    await x.waitFor(() => x.session.player.ledger.heardText(agent.turns.length ? 'r1' : '').length > 0, 15_000);
    await x.speak(200);
    await x.waitFor(() => x.transport.clears() === 1);
    const clearAt = x.transport.sent.find((s) => s.type === 'clear')!.at;
    x.stt.last!.push(sttTranscript('wait, can I ask something', { isFinal: false }));
    await x.waitFor(() => x.eventsOf('bargein.commit').length === 1);
    await x.waitFor(() => agent.spoken.some((s) => s.replyId === 'r1'));
    const r1 = agent.spoken.find((s) => s.replyId === 'r1')!;
    expect(r1.interrupted).toBe(true);
    expect(r1.heard).toContain('First, tell me about a system you built.');
    expect(r1.heard).not.toContain('Fourth');
    expect(r1.planned.length).toBeGreaterThan(r1.heard.length);
    // Synthesis of the cancelled reply stopped, and nothing of it was sent after the clear.
    const synthesized = x.tts.texts.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(x.transport.audioAfter(clearAt)).toBe(0);
    expect(x.tts.texts.length).toBe(synthesized);
    expect(agent.aborted).toHaveLength(1); // the agent's stream saw the abort
    // The caller's words become the next turn, flagged as a barge-in.
    x.stt.last!.push(sttTranscript('wait, can I ask something about the role?', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => agent.turns.length === 2);
    expect(agent.turns[1]).toMatchObject({ bargedIn: true });
    const pause = x.eventsOf('bargein.pause')[0]!.payload;
    expect(pause.evidence).toBe('vad');
    expect(pause.onsetToClearMs).toBeTypeOf('number');
  }, 30_000);

  it('a clear is sent on barge-in even when nothing is queued locally', async () => {
    const agent = new ScriptedAgent([{ text: 'Short one.' }]);
    const x = await pastOpening(agent);
    say(x, 'Yes.');
    // The whole reply has been handed to the carrier (pacer idle) but is still "playing" there.
    await x.waitFor(() => x.transport.sent.filter((s) => s.type === 'mark').length >= 2);
    x.stt.last!.push(sttTranscript('hold on a second please', { isFinal: false }));
    if (x.session.player.speaking) {
      await x.waitFor(() => x.transport.clears() >= 1);
      expect(x.transport.clears()).toBeGreaterThanOrEqual(1);
    }
  });

  it('backchannels do not interrupt', async () => {
    const agent = new ScriptedAgent([{ text: LONG }]);
    const x = await pastOpening(agent);
    say(x, 'Yes.');
    await x.waitFor(() => x.transport.sent.filter((s) => s.type === 'audio').length > 30);
    x.stt.last!.push(sttTranscript('mm-hm', { isFinal: false }));
    x.stt.last!.push(sttTranscript('Mm-hm.', { isFinal: true, speechFinal: true }));
    x.stt.last!.push(sttTranscript('right', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => agent.spoken.some((s) => s.replyId === 'r1'), 20_000);
    expect(x.transport.clears()).toBe(0);
    expect(agent.spoken.find((s) => s.replyId === 'r1')).toMatchObject({ interrupted: false, heard: LONG });
    expect(agent.turns).toHaveLength(1); // the backchannels did not become a turn
  }, 30_000);

  it('a false interruption (no words) resumes the reply where it stopped', async () => {
    const agent = new ScriptedAgent([{ text: LONG }]);
    const x = await pastOpening(agent);
    say(x, 'Yes.');
    await x.waitFor(() => x.session.player.ledger.heardText('r1').length > 0, 15_000);
    await x.speak(200); // a cough
    await x.waitFor(() => x.transport.clears() === 1);
    await x.speak(100, { silent: true });
    await x.waitFor(() => x.eventsOf('bargein.resume').length === 1);
    expect(x.eventsOf('bargein.resume')[0]!.payload.why).toBe('false_interruption');
    await x.waitFor(() => agent.spoken.some((s) => s.replyId === 'r1'), 20_000);
    const r1 = agent.spoken.find((s) => s.replyId === 'r1')!;
    expect(r1.interrupted).toBe(false);
    expect(r1.heard).toBe(LONG);
    expect(agent.turns).toHaveLength(1);
  }, 30_000);

  it('a backchannel heard during a pause resumes at once', async () => {
    const agent = new ScriptedAgent([{ text: LONG }]);
    const x = await pastOpening(agent, { falseInterruptionMs: 5000 });
    say(x, 'Yes.');
    await x.waitFor(() => x.session.player.ledger.heardText('r1').length > 0, 15_000);
    await x.speak(200);
    await x.waitFor(() => x.transport.clears() === 1);
    x.stt.last!.push(sttTranscript('okay', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => x.eventsOf('bargein.resume').length === 1);
    expect(x.eventsOf('bargein.resume')[0]!.payload.why).toBe('backchannel');
  }, 30_000);

  it('a turn ending in a conjunction waits for the rest', async () => {
    const agent = new ScriptedAgent([{ text: 'Okay.' }, { text: 'Next.' }]);
    const x = await pastOpening(agent, { incompleteWaitMs: 600 });
    x.stt.last!.push(sttTranscript('I would shard by tenant and', { isFinal: true, speechFinal: true }));
    await new Promise((r) => setTimeout(r, 300));
    x.stt.last!.push(sttTranscript('replicate each shard.', { isFinal: true, speechFinal: true }));
    await x.waitFor(() => agent.turns.length === 1);
    await new Promise((r) => setTimeout(r, 700));
    expect(agent.turns.map((t) => t.text)).toEqual(['I would shard by tenant and replicate each shard.']);
  });

  it('ends the call after an end_call reply has been heard', async () => {
    const agent = new ScriptedAgent([{ text: 'Thank you, goodbye.', endCall: 'interview_complete' }]);
    const x = await pastOpening(agent);
    say(x, 'No more questions.');
    await x.waitFor(() => x.session.isEnded);
    await x.waitFor(() => x.eventsOf('call.ended').length === 1);
    expect(x.eventsOf('call.ending')[0]!.payload.reason).toBe('interview_complete');
    expect(agent.spoken.at(-1)).toMatchObject({ heard: 'Thank you, goodbye.' });
  });

  it('caller audio to STT: quiet audio goes in 100 ms messages, speech frame by frame from its onset (held audio first), quiet after speech frame by frame for the hold; nothing lost', async () => {
    const agent = new ScriptedAgent([]);
    const x = await pastOpening(agent, { sttBatchHoldMs: 400 });
    const stt = x.stt.last!;
    const sizes = (from: number) => stt.sent.slice(from).map((c) => c.byteLength);
    const bytesBefore = stt.sentBytes;
    let mark = stt.sent.length;
    await x.speak(1000, { silent: true }); // the caller listens: held
    const quiet = sizes(mark);
    expect(quiet.filter((n) => n === 800).length).toBeGreaterThanOrEqual(9);
    mark = stt.sent.length;
    await x.speak(300); // speech: every frame on its own, after what was held
    const speech = sizes(mark);
    expect(speech.slice(1).every((n) => n === 160)).toBe(true);
    expect(speech.length).toBeGreaterThanOrEqual(15);
    mark = stt.sent.length;
    await x.speak(300, { silent: true }); // within the hold (400 ms): still frame by frame
    expect(sizes(mark).every((n) => n === 160)).toBe(true);
    mark = stt.sent.length;
    await x.speak(600, { silent: true }); // past the hold: held again
    expect(sizes(mark).some((n) => n === 800)).toBe(true);
    await x.session.end('hangup'); // flushes what is held before STT closes
    expect(stt.sentBytes - bytesBefore).toBe((1000 + 300 + 300 + 600) / 20 * 160);
  });

  it('STT outage: says it cannot hear, reconnects, and carries on', async () => {
    const agent = new ScriptedAgent([{ text: 'Okay.' }]);
    const x = await pastOpening(agent);
    const first = x.stt.last!;
    first.fail(new ProviderError('deepgram', 'connection', 'socket dropped'));
    await x.waitFor(() => x.stt.streams.length === 2);
    expect(x.tts.texts.join(' ')).toContain(LINES.cantHear);
    expect(x.eventsOf('provider.error')[0]!.payload).toMatchObject({ port: 'stt', kind: 'connection' });
    say(x, 'Can you hear me now?');
    await x.waitFor(() => agent.turns.length === 1);
  });

  it('STT that stays down ends the call gracefully with a promise to call back', async () => {
    const agent = new ScriptedAgent([]);
    const x = await pastOpening(agent, { sttAttempts: 2 });
    x.stt.openError = new ProviderError('deepgram', 'server', 'down');
    x.stt.last!.fail(new ProviderError('deepgram', 'connection', 'dropped'));
    await x.waitFor(() => x.session.isEnded, 15_000);
    await x.waitFor(() => x.eventsOf('call.ended').length === 1);
    expect(x.tts.texts.join(' ')).toContain(LINES.technicalDifficulty);
    expect(x.eventsOf('call.provider_down')[0]!.payload.port).toBe('stt');
    expect(x.eventsOf('call.ended')[0]!.payload).toMatchObject({ reason: 'error', cause: 'stt_unavailable' });
  }, 20_000);
});
