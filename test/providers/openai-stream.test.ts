import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiModel } from '../../src/providers/openai/openai-chat.js';
import type { ChatEvent, ChatMessage, ToolSpec } from '../../src/providers/llm.js';
import { startOpenAiSim } from '../../src/sim/openai-sim.js';
import type { OpenAiSim } from '../../src/sim/openai-sim.js';

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const textOf = (events: ChatEvent[]) =>
  events.map((e) => (e.type === 'text' ? e.delta : '')).join('');

/** Polls until `cond` holds (the simulator has seen the request) so aborts land mid-request, not before it. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

const TOOLS: ToolSpec[] = [
  {
    name: 'resume_search',
    description: 'Search the resume',
    parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query', 'limit'] },
  },
  {
    name: 'open_ide',
    description: 'Open the IDE',
    parameters: { type: 'object', properties: { language: { type: 'string' } }, required: ['language'] },
  },
];

describe('OpenAiModel.stream against the OpenAI-compatible simulator', () => {
  let sim: OpenAiSim;
  let model: OpenAiModel;

  beforeEach(async () => {
    sim = await startOpenAiSim({ apiKey: 'sk-test', latency: { firstChunkMs: 30 }, interTokenDelayMs: 1 });
    model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, model: 'gpt-4o-mini' });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('streams text in several deltas and ends with usage and time to first token', async () => {
    const reply = 'Thanks for that. Could you walk me through the hardest bug you fixed last year?';
    sim.script([{ text: reply }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi there' }] }));

    const texts = events.filter((e) => e.type === 'text');
    expect(texts.length).toBeGreaterThan(5);
    expect(textOf(events)).toBe(reply);
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') throw new Error('no done');
    expect(done.finishReason).toBe('stop');
    expect(done.usage?.promptTokens).toBeGreaterThan(0);
    expect(done.usage?.completionTokens).toBe(texts.length);
    // Lower bound only: the simulator waits 30 ms before the first chunk.
    expect(done.timeToFirstTokenMs).toBeGreaterThanOrEqual(25);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);

    const body = sim.requests[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(sim.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('assembles two parallel tool calls whose arguments arrive in fragments', async () => {
    const first = { query: 'kafka experience at the payments team', limit: 3 };
    const second = { language: 'python' };
    sim.script([
      {
        text: 'Let me check.',
        toolCalls: [
          { name: 'resume_search', arguments: first },
          { name: 'open_ide', arguments: second },
        ],
      },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'go' }], tools: TOOLS }));

    expect(textOf(events)).toBe('Let me check.');
    const calls = events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));
    expect(calls.map((c) => c.name)).toEqual(['resume_search', 'open_ide']);
    expect(JSON.parse(calls[0]?.arguments ?? '')).toEqual(first);
    expect(JSON.parse(calls[1]?.arguments ?? '')).toEqual(second);
    expect(calls[0]?.id).toMatch(/^call_/);
    expect(calls[0]?.id).not.toBe(calls[1]?.id);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', finishReason: 'tool_calls' });

    const body = sim.requests[0]?.body as { tools: unknown[] };
    expect(body.tools).toEqual(
      TOOLS.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })),
    );
  });

  it('maps history, tool results and image parts onto the OpenAI message shapes', async () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are an interviewer.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'open_ide', arguments: '{"language":"python"}' }] },
      { role: 'tool', toolCallId: 'call_1', content: '{"opened":true}' },
      { role: 'assistant', content: 'I opened the', interrupted: true },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Here is my board' },
          { type: 'image', url: png, detail: 'low' },
        ],
      },
    ];
    await collect(model.stream({ messages, temperature: 0.2, maxTokens: 200 }));

    const body = sim.requests[0]?.body as Record<string, unknown>;
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are an interviewer.' },
      { role: 'user', content: 'Hello' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'open_ide', arguments: '{"language":"python"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"opened":true}' },
      { role: 'assistant', content: 'I opened the' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Here is my board' },
          { type: 'image_url', image_url: { url: png, detail: 'low' } },
        ],
      },
    ]);
    expect(body).toMatchObject({ temperature: 0.2, max_completion_tokens: 200 });
    expect(body).not.toHaveProperty('tools');
  });

  it('stops quietly when the caller aborts mid-stream, and the simulator sees the connection close', async () => {
    const longSim = await startOpenAiSim({ interTokenDelayMs: 15 });
    try {
      const m = new OpenAiModel({ baseUrl: longSim.baseUrl });
      longSim.script([{ text: Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ') }]);
      const controller = new AbortController();
      const seen: ChatEvent[] = [];
      for await (const event of m.stream({ messages: [{ role: 'user', content: 'talk' }], signal: controller.signal })) {
        seen.push(event);
        if (seen.length === 3) controller.abort();
      }
      expect(seen).toHaveLength(3);
      expect(seen.every((e) => e.type === 'text')).toBe(true);
      await expect(longSim.requests[0]?.settled).resolves.toBe('client_closed');
      expect(longSim.activeRequests()).toBe(0);
    } finally {
      await longSim.close();
    }
  });

  it('stops quietly when the caller aborts while waiting for the next chunk', async () => {
    sim.faults.once({ firstChunkDelayMs: 5_000 });
    const controller = new AbortController();
    const pending = collect(model.stream({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }));
    await until(() => sim.requests.length > 0);
    controller.abort();
    expect(await pending).toEqual([]);
    await expect(sim.requests[0]?.settled).resolves.toBe('client_closed');
  });

  it('sends nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }));
    expect(events).toEqual([]);
    expect(sim.requests).toHaveLength(0);
  });

  it('releases the request when the consumer breaks out of the loop', async () => {
    sim.script([{ text: Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ') }]);
    for await (const event of model.stream({ messages: [{ role: 'user', content: 'x' }] })) {
      if (event.type === 'text') break;
    }
    await expect(sim.requests[0]?.settled).resolves.toBe('client_closed');
  });

  it('leaves no timers behind after streams finish, fail or are aborted', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    sim.script([{ text: 'one two three' }]);
    await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    sim.faults.once({ status: 500 });
    await expect(collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }))).rejects.toThrow();
    const controller = new AbortController();
    sim.faults.once({ firstChunkDelayMs: 2_000 });
    const pending = collect(model.stream({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }));
    await until(() => sim.requests.length === 3);
    controller.abort();
    await pending;
    // The simulator's own delay timer is cleared when it notices the closed socket.
    await Promise.all(sim.requests.map((r) => r.settled));
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
