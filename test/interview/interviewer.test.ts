import { describe, expect, it } from 'vitest';
import { CONSENT_QUESTION, CONSENT_REFUSED_LINE, CONSENT_REPROMPT, OPT_OUT_LINE } from '../../src/interview/consent.js';
import { Interviewer } from '../../src/interview/interviewer.js';
import type { InterviewerDeps } from '../../src/interview/interviewer.js';
import type { ChatMessage } from '../../src/providers/llm.js';
import { ScriptedChatModel, failingTurn, textTurn, toolTurn } from '../../src/providers/testing/index.js';
import { recorder, turn } from './helpers.js';

const context = {
  interviewId: 'int_1',
  candidate: { name: 'Ada Lovelace' },
  role: { title: 'Backend Engineer', level: 'mid', description: 'Python, PostgreSQL and Kafka.' },
};

function make(overrides: Partial<InterviewerDeps> = {}) {
  const rec = recorder();
  let now = 0;
  const agent = new Interviewer({ context, record: rec.record, clock: () => now, ...overrides });
  return { agent, rec, advance: (ms: number) => (now += ms) };
}

/** Opening given and consent received: the interview is in `introduction`. */
async function started(overrides: Partial<InterviewerDeps> = {}) {
  const h = make(overrides);
  const opening = h.agent.opening();
  h.agent.onSpoken({ replyId: 'greeting', planned: opening, heard: opening, interrupted: false });
  const first = await turn(h.agent, 'yes');
  h.agent.onSpoken({ replyId: 'r1', planned: first.text, heard: first.text, interrupted: false });
  return { ...h, first };
}

const assistantMessages = (messages: ChatMessage[]) => messages.filter((m) => m.role === 'assistant');

describe('Interviewer: opening and consent', () => {
  it('opens with the disclosure and the consent question, and records the plan with the prompt version', () => {
    const { agent, rec } = make();
    const opening = agent.opening();
    expect(opening).toMatch(/^Hello Ada\. This is an automated AI interviewer calling about the Backend Engineer role\./);
    expect(opening).toMatch(/recorded/);
    expect(opening.endsWith(CONSENT_QUESTION)).toBe(true);
    expect(agent.opening()).toBe(opening);
    const [plan] = rec.of('interview.plan');
    expect(plan?.promptVersion).toMatch(/stance@\d+\+stages@\d+/);
    expect(rec.of('interview.plan')).toHaveLength(1);
    expect(agent.keyterms()).toEqual(['Python', 'PostgreSQL', 'Kafka']);
    expect(agent.stage).toBe('greeting');
  });

  it('on yes: records consent, moves to the introduction and asks the first question', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Thanks. Tell me about your background.')] });
    const { agent, rec, first } = await started({ model });
    expect(first.text).toBe('Thanks. Tell me about your background.');
    expect(rec.of('interview.consent')).toEqual([{ answer: 'yes', classification: 'yes', basis: 'affirmative', action: 'proceed' }]);
    expect(rec.of('interview.stage')).toEqual([{ from: 'greeting', to: 'introduction', reason: 'plan', elapsedMs: 0 }]);
    expect(agent.stage).toBe('introduction');
    // The model saw the opening and the consent as conversation.
    const msgs = model.requests[0]?.messages ?? [];
    expect(msgs[0]?.role).toBe('system');
    expect(msgs.slice(1)).toEqual([
      { role: 'assistant', content: agent.opening() },
      { role: 'user', content: 'yes' },
    ]);
  });

  it('on no: says the polite closing line offering a human, ends the call, never calls the model', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('should not be said')] });
    const { agent, rec } = make({ model });
    agent.opening();
    const r = await turn(agent, "No, I don't consent.");
    expect(r.text).toBe(CONSENT_REFUSED_LINE);
    expect(r.text).toMatch(/interview with a person/);
    expect(r.end).toBe('consent_refused');
    expect(r.events.at(-1)).toEqual({ type: 'end_call', reason: 'consent_refused' });
    expect(rec.of('interview.stage')).toEqual([{ from: 'greeting', to: 'close', reason: 'consent_refused', elapsedMs: 0 }]);
    expect(model.requests).toHaveLength(0);
    expect(agent.ended).toBe('consent_refused');
  });

  it('asks once more when unclear, then treats a second unclear answer as no', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('x')] });
    const { agent, rec } = make({ model });
    agent.opening();
    expect((await turn(agent, 'what is this?')).text).toBe(CONSENT_REPROMPT);
    expect(agent.stage).toBe('greeting');
    const second = await turn(agent, 'hmm, maybe');
    expect(second.end).toBe('consent_refused');
    expect(rec.of('interview.consent').map((c) => c.classification)).toEqual(['unclear', 'unclear']);
    expect(model.requests).toHaveLength(0);
  });

  it('an opt-out word at consent ends the call as an opt-out (not a mere consent refusal)', async () => {
    const { agent } = make();
    agent.opening();
    expect(await turn(agent, 'STOP')).toMatchObject({ text: OPT_OUT_LINE, end: 'opt_out' });
    // A "no" that does not ask to stop contact stays a consent refusal.
    const other = make();
    other.agent.opening();
    expect((await turn(other.agent, 'No, I do not want an AI interview.')).end).toBe('consent_refused');
  });

  it('an opt-out request later in the interview ends the call politely', async () => {
    const { agent, rec } = await started();
    const r = await turn(agent, 'Please stop calling me.');
    expect(r).toMatchObject({ text: OPT_OUT_LINE, end: 'opt_out' });
    expect(rec.of('interview.stage').at(-1)).toMatchObject({ to: 'close', reason: 'consent_refused' });
  });

  it('runs no model and no tool during the greeting (greeting guard)', async () => {
    const model = new ScriptedChatModel({ turns: [toolTurn({ id: 't', name: 'next_stage', arguments: '{"reason":"x"}' })] });
    const { agent, rec } = make({ model });
    await turn(agent, 'um');
    expect(model.requests).toHaveLength(0);
    expect(rec.of('interview.tool_call')).toHaveLength(0);
    expect(agent.stage).toBe('greeting');
  });
});

describe('Interviewer: heard-only history', () => {
  it('keeps only what the caller heard of an interrupted reply, flagged interrupted', async () => {
    const model = new ScriptedChatModel({
      turns: [textTurn('Thanks. First question?'), textTurn('Okay. Tell me about a project. What was your role?'), textTurn('Next.')],
    });
    const { agent } = await started({ model });
    const r = await turn(agent, 'I am a backend engineer.');
    expect(r.text).toBe('Okay. Tell me about a project. What was your role?');
    agent.onSpoken({ replyId: 'r2', planned: r.text, heard: 'Okay. Tell me about a project.', interrupted: true });
    await turn(agent, 'Sorry, go on.');
    const msgs = model.requests[2]?.messages ?? [];
    const assistants = assistantMessages(msgs);
    expect(assistants.at(-1)).toEqual({ role: 'assistant', content: 'Okay. Tell me about a project.', interrupted: true });
    expect(JSON.stringify(msgs)).not.toContain('What was your role?');
    expect(msgs.at(-1)).toEqual({ role: 'user', content: 'Sorry, go on.' });
  });

  it('a reply aborted with nothing heard is an empty interrupted assistant message', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Hi?'), textTurn('One two three four five', { interTokenDelayMs: 30 }), textTurn('Next.')] });
    const { agent } = await started({ model });
    const ac = new AbortController();
    const events = [];
    for await (const ev of agent.respond({ text: 'answer', endReason: 'endpoint', bargedIn: false }, ac.signal)) {
      events.push(ev);
      ac.abort();
    }
    await turn(agent, 'barge in');
    const last = assistantMessages(model.requests[2]?.messages ?? []).at(-1);
    expect(last).toEqual({ role: 'assistant', content: '', interrupted: true });
  });

  it('truncates a very long candidate turn for the prompt', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Q?')] });
    const { agent, rec } = await started({ model });
    await turn(agent, 'word '.repeat(2000));
    const user = model.requests[1]?.messages.at(-1);
    expect(user?.role).toBe('user');
    expect((user?.content as string).length).toBeLessThanOrEqual(2002);
    expect(rec.of('interview.turn').at(-1)).toMatchObject({ truncated: true });
  });

  it('bounds the history sent to the model', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Q?')] });
    const { agent } = await started({ model, options: { maxHistoryMessages: 10 } });
    for (let i = 0; i < 20; i++) await turn(agent, `answer ${i}`);
    const last = model.requests.at(-1)?.messages ?? [];
    expect(last.length).toBeLessThanOrEqual(11);
    expect(last.at(-1)).toEqual({ role: 'user', content: 'answer 19' });
  });
});

describe('Interviewer: streaming, abort, metrics', () => {
  it('streams deltas as they come and reports the model first-token time', async () => {
    const model = new ScriptedChatModel({
      turns: [
        textTurn('Hi?'),
        [
          { type: 'text', delta: 'Tell ' },
          { type: 'text', delta: 'me more.' },
          { type: 'done', finishReason: 'stop', timeToFirstTokenMs: 123 },
        ],
      ],
    });
    const { agent } = await started({ model });
    const r = await turn(agent, 'answer');
    expect(r.events).toEqual([
      { type: 'text', delta: 'Tell ' },
      { type: 'text', delta: 'me more.' },
      { type: 'metrics', llmFirstTokenMs: 123, model: 'scripted' },
    ]);
  });

  it('stops promptly on abort mid-stream and yields nothing more', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Hi?'), textTurn('one two three four five six seven', { interTokenDelayMs: 50 })] });
    const { agent } = await started({ model });
    const ac = new AbortController();
    const events = [];
    for await (const ev of agent.respond({ text: 'answer', endReason: 'endpoint', bargedIn: false }, ac.signal)) {
      events.push(ev);
      if (events.length === 2) ac.abort();
    }
    expect(events).toEqual([
      { type: 'text', delta: 'one ' },
      { type: 'text', delta: 'two ' },
    ]);
    expect(model.aborted).toBe(1);
  });

  it('an already aborted signal yields nothing', async () => {
    const { agent } = await started();
    const ac = new AbortController();
    ac.abort();
    expect((await turn(agent, 'x', ac.signal)).events).toEqual([]);
  });
});

describe('Interviewer: model failure', () => {
  it('answers from the plan-driven model when the model fails before any text, and records the error', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Thanks. Tell me about your background?'), failingTurn('server')] });
    const { agent, rec } = await started({ model });
    const r = await turn(agent, 'I build payment systems.');
    const planned = agent.plan.stages.find((s) => s.name === 'experience')?.questions[0]?.text;
    // Introduction has no follow-ups, so the plan moves on to the first experience question.
    expect(r.text).toContain(planned);
    expect(rec.of('interview.model_error')).toEqual([
      expect.objectContaining({ model: 'scripted', kind: 'server', provider: 'scripted', fallback: 'plan-driven' }),
    ]);
    expect(agent.stage).toBe('experience');
  });

  it('keeps what was already said when the model fails mid-reply (no second answer)', async () => {
    const model = new ScriptedChatModel({
      turns: [textTurn('Hi?'), [{ type: 'text', delta: 'Tell me ' }, { type: 'error', error: new Error('socket closed') }]],
    });
    const { agent, rec } = await started({ model });
    const r = await turn(agent, 'answer');
    expect(r.text).toBe('Tell me ');
    expect(rec.of('interview.model_error')).toEqual([expect.objectContaining({ error: 'socket closed', fallback: null })]);
  });

  it('falls back when the model says nothing at all', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Hi?'), [{ type: 'done', finishReason: 'stop' }]] });
    const { agent, rec } = await started({ model });
    const r = await turn(agent, 'answer');
    expect(r.text.length).toBeGreaterThan(10);
    expect(rec.of('interview.model_error')[0]).toMatchObject({ error: 'the model produced no speech', fallback: 'plan-driven' });
  });

  it('wrapModel receives the primary and the plan-driven model', async () => {
    const primary = new ScriptedChatModel({ turns: [textTurn('Hi?')] });
    let seen: string[] = [];
    const { agent } = make({
      model: primary,
      wrapModel: (p, plan) => {
        seen = [p.name, plan.name];
        return p;
      },
    });
    agent.opening();
    expect(seen).toEqual(['scripted', 'plan-driven']);
  });
});

describe('Interviewer: tools in the turn', () => {
  it('runs next_stage, records the tool call and the stage, and continues speaking in the new stage', async () => {
    const model = new ScriptedChatModel({
      turns: [
        textTurn('Hi?'),
        [{ type: 'text', delta: 'Thanks.' }, { type: 'tool_call', call: { id: 'c1', name: 'next_stage', arguments: '{"reason":"covered"}' } }, { type: 'done', finishReason: 'tool_calls' }],
        textTurn('Tell me about a hard project.'),
      ],
    });
    const { agent, rec } = await started({ model });
    const r = await turn(agent, 'I am Ada.');
    expect(r.text).toBe('Thanks. Tell me about a hard project.');
    expect(agent.stage).toBe('experience');
    expect(rec.of('interview.tool_call')).toEqual([
      expect.objectContaining({ name: 'next_stage', args: { reason: 'covered' }, ok: true, result: 'introduction -> experience' }),
    ]);
    expect(rec.of('interview.stage').at(-1)).toMatchObject({ from: 'introduction', to: 'experience', reason: 'tool' });
    // The second request carries the tool call and its result, and the new stage's instructions.
    const second = model.requests[2];
    expect(second?.messages[0]?.content).toContain('# Current stage: experience');
    expect(second?.messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'Thanks.', toolCalls: [{ id: 'c1', name: 'next_stage', arguments: '{"reason":"covered"}' }] },
      { role: 'tool', toolCallId: 'c1', content: JSON.stringify({ ok: true, stage: 'experience', previous: 'introduction' }) },
    ]);
  });

  it('answers bad tool arguments with an error result and keeps going', async () => {
    const model = new ScriptedChatModel({
      turns: [textTurn('Hi?'), toolTurn({ id: 'c1', name: 'next_stage', arguments: '{oops' }), textTurn('Let us continue.')],
    });
    const { agent } = await started({ model });
    const r = await turn(agent, 'answer');
    expect(r.text).toBe('Let us continue.');
    const toolMsg = model.requests[2]?.messages.at(-1);
    expect(toolMsg).toMatchObject({ role: 'tool', toolCallId: 'c1' });
    expect(JSON.parse((toolMsg as { content: string }).content).error).toBe('invalid_arguments');
    expect(agent.stage).toBe('introduction');
  });

  it('bounds tool rounds per turn: the last call offers no tools', async () => {
    const search = toolTurn({ id: 's', name: 'resume_search', arguments: '{"query":"kafka"}' });
    const model = new ScriptedChatModel({ turns: (_req, i) => (i === 0 ? textTurn('Hi?') : search) });
    const { agent, rec } = await started({ model, options: { maxToolRounds: 3 } });
    const r = await turn(agent, 'answer');
    const turnRequests = model.requests.slice(1);
    expect(turnRequests).toHaveLength(4);
    expect(turnRequests.slice(0, 3).every((q) => q.tools?.length === 6)).toBe(true);
    expect(turnRequests[3]?.tools).toBeUndefined();
    expect(rec.of('interview.tool_call')).toHaveLength(3);
    expect(rec.of('interview.tool_rounds_exhausted')).toHaveLength(1);
    // The caller still hears something: the plan-driven model fills the silent turn.
    expect(r.text.length).toBeGreaterThan(0);
  });

  it('says the filler once when tools are slow, not when they are fast', async () => {
    const slow = (ms: number) => () => new Promise<Record<string, unknown>>((resolve) => setTimeout(() => resolve({ passages: [] }), ms));
    const model = new ScriptedChatModel({
      turns: [
        textTurn('Hi?'),
        [
          { type: 'tool_call', call: { id: 'a', name: 'resume_search', arguments: '{"query":"a"}' } },
          { type: 'tool_call', call: { id: 'b', name: 'role_search', arguments: '{"query":"b"}' } },
          { type: 'done', finishReason: 'tool_calls' },
        ],
        textTurn('What did you build with Kafka?'),
        toolTurn({ id: 'c', name: 'resume_search', arguments: '{"query":"c"}' }),
        textTurn('And then?'),
      ],
    });
    let delayMs = 150;
    const { agent } = await started({
      model,
      tools: { grounding: { resumeSearch: () => slow(delayMs)(), roleSearch: () => slow(delayMs)() } },
      options: { fillerAfterMs: 30 },
    });
    const r = await turn(agent, 'answer');
    expect(r.events.filter((e) => e.type === 'filler')).toEqual([{ type: 'filler', text: 'One moment.' }]);
    expect(r.events.findIndex((e) => e.type === 'filler')).toBeLessThan(r.events.findIndex((e) => e.type === 'text'));
    delayMs = 0;
    const fast = await turn(agent, 'answer 2');
    expect(fast.events.some((e) => e.type === 'filler')).toBe(false);
  });

  it('an abort while a tool runs stops the turn without another model call', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Hi?'), toolTurn({ id: 's', name: 'resume_search', arguments: '{"query":"x"}' }), textTurn('never')] });
    let toolSignal: AbortSignal | undefined;
    const { agent } = await started({
      model,
      tools: {
        grounding: {
          resumeSearch: (_a, signal) => ((toolSignal = signal), new Promise(() => {})),
          roleSearch: async () => ({}),
        },
      },
      options: { fillerAfterMs: 10_000 },
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const r = await turn(agent, 'answer', ac.signal);
    expect(r.events.filter((e) => e.type === 'text')).toEqual([]);
    expect(toolSignal?.aborted).toBe(true);
    expect(model.requests).toHaveLength(2);
  });

  it('ends the call after end_interview, with a goodbye if the model said none', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Hi?'), toolTurn({ id: 'e', name: 'end_interview', arguments: '{"reason":"done"}' })] });
    const { agent } = await started({ model });
    const r = await turn(agent, 'bye');
    expect(r.text).toMatch(/Goodbye\.$/);
    expect(r.events.at(-1)).toEqual({ type: 'end_call', reason: 'done' });
    expect(agent.stage).toBe('close');
    // If the goodbye was cut off and the caller speaks again, end again rather than restart the interview.
    const again = await turn(agent, 'hello?');
    expect(again).toMatchObject({ text: 'Goodbye.', end: 'done' });
    expect(model.requests).toHaveLength(2);
  });

  it('asks for patience while a surface is open in the technical stage', async () => {
    const model = new ScriptedChatModel({
      turns: [
        textTurn('Hi?'),
        toolTurn({ id: 'n', name: 'next_stage', arguments: '{"to":"technical","reason":"x"}' }),
        toolTurn({ id: 'i', name: 'open_ide', arguments: '{"problem":"two sum"}' }),
        textTurn('The editor is open. Talk me through it.'),
      ],
    });
    const { agent } = await started({ model, tools: { surfaces: { openIde: async () => ({ opened: true }), openBoard: async () => ({}) } } });
    expect(agent.patience()).toBe('normal');
    await turn(agent, 'ready');
    expect(agent.stage).toBe('technical');
    expect(agent.patience()).toBe('patient');
  });
});

describe('Interviewer: stage timeouts', () => {
  it('moves on when the stage budget is spent and tells the model', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('Q?')] });
    const { agent, rec, advance } = await started({ model, options: { budgetsMs: { introduction: 60_000 } } });
    advance(61_000);
    await turn(agent, 'a long story');
    expect(rec.of('interview.stage').at(-1)).toMatchObject({ from: 'introduction', to: 'experience', reason: 'timeout' });
    expect(model.requests.at(-1)?.messages[0]?.content).toContain('# Current stage: experience');
  });

  it('says goodbye itself when the closing minute is spent', async () => {
    const model = new ScriptedChatModel({
      turns: [textTurn('Hi?'), toolTurn({ id: 'n', name: 'next_stage', arguments: '{"to":"close","reason":"x"}' }), textTurn('Any last words?')],
    });
    const { agent, advance } = await started({ model });
    await turn(agent, 'answer');
    expect(agent.stage).toBe('close');
    advance(61_000);
    const r = await turn(agent, 'well, one more thing');
    expect(r.end).toBe('close_timeout');
    expect(r.text).toMatch(/Goodbye\.$/);
  });
});
