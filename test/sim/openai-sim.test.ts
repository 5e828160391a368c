import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultResponder, sampleFromSchema, simEmbedding, splitTokens, startOpenAiSim } from '../../src/sim/openai-sim.js';
import type { OpenAiSim, SimChatRequest } from '../../src/sim/openai-sim.js';

type Chunk = {
  id: string;
  object: string;
  model: string;
  created: number;
  choices: {
    index: number;
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: { index: number; id?: string; type?: string; function: { name?: string; arguments: string } }[];
    };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
};

/** Reads an SSE body into its `data:` payloads. */
async function sse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

describe('OpenAI-compatible simulator (raw HTTP)', () => {
  let sim: OpenAiSim;
  const post = (path: string, body: unknown, key = 'sk-sim') =>
    fetch(`${sim.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    sim = await startOpenAiSim({ apiKey: 'sk-sim', interTokenDelayMs: 0 });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('streams chat.completion.chunk SSE events, a usage chunk on request, then [DONE]', async () => {
    sim.script([{ text: 'Hello there, how are you?' }]);
    const res = await post('/chat/completions', {
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await sse(res);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('Hello there, how are you?');
    const finish = chunks.at(-2);
    expect(finish?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.completion_tokens).toBe(5);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('omits the usage chunk without stream_options.include_usage', async () => {
    sim.script([{ text: 'ok' }]);
    const data = await sse(await post('/chat/completions', { stream: true, messages: [{ role: 'user', content: 'x' }] }));
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
  });

  it('streams tool calls as a header delta plus argument fragments per index', async () => {
    sim.script([{ toolCalls: [{ name: 'resume_search', arguments: { query: 'distributed systems experience' } }, { name: 'open_board', arguments: {} }] }]);
    const data = await sse(await post('/chat/completions', { stream: true, messages: [{ role: 'user', content: 'x' }] }));
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(chunks[0]?.choices[0]?.delta.content).toBeNull();
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const first = deltas.filter((d) => d.index === 0);
    expect(first[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'resume_search', arguments: '' } });
    expect(first[0]?.id).toMatch(/^call_/);
    expect(first.length).toBeGreaterThan(3);
    expect(first.slice(1).every((d) => d.id === undefined && d.function.name === undefined)).toBe(true);
    expect(JSON.parse(first.map((d) => d.function.arguments).join(''))).toEqual({ query: 'distributed systems experience' });
    const second = deltas.filter((d) => d.index === 1);
    expect(second[0]?.function.name).toBe('open_board');
    expect(second.map((d) => d.function.arguments).join('')).toBe('{}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('answers a chat.completion object when stream is false', async () => {
    sim.script([{ text: 'Plain answer.', toolCalls: [{ name: 'next_stage', arguments: { reason: 'done' } }] }]);
    const res = await post('/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Plain answer.',
            tool_calls: [{ type: 'function', function: { name: 'next_stage', arguments: '{"reason":"done"}' } }],
          },
        },
      ],
    });
  });

  it('rejects a wrong key with an OpenAI-shaped 401', async () => {
    const res = await post('/chat/completions', { messages: [] }, 'sk-wrong');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
  });

  it('answers faulted statuses with OpenAI-shaped errors', async () => {
    sim.faults.once({ status: 429 }).once({ status: 503 });
    const a = await post('/chat/completions', { messages: [] });
    expect(a.status).toBe(429);
    expect(await a.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const b = await post('/chat/completions', { messages: [] });
    expect(b.status).toBe(503);
    expect(await b.json()).toMatchObject({ error: { type: 'server_error' } });
  });

  it('refuses and drops connections on demand', async () => {
    sim.faults.once({ refuseConnection: true });
    await expect(post('/chat/completions', { messages: [] })).rejects.toThrow();
    sim.faults.once({ dropAfterChunks: 2 });
    sim.script([{ text: 'one two three four' }]);
    const res = await post('/chat/completions', { stream: true, messages: [{ role: 'user', content: 'x' }] });
    await expect(res.text()).rejects.toThrow();
    expect(sim.requests.map((r) => r.outcome)).toEqual(['refused', 'dropped']);
  });

  it('closes promptly with a stalled stream still open', async () => {
    sim.faults.once({ stallAfterChunks: 1 });
    const res = await post('/chat/completions', { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const reader = res.body?.getReader();
    await reader?.read();
    expect(sim.activeRequests()).toBe(1);
    const reading = reader?.read().catch(() => 'closed');
    await sim.close();
    expect(await reading).toBe('closed');
    await expect(sim.requests[0]?.settled).resolves.toBe('client_closed');
  });

  it('serves embeddings as floats or little-endian float32 base64, honouring dimensions', async () => {
    const floats = (await (await post('/embeddings', { model: 'text-embedding-3-small', input: ['a b', 'c'], dimensions: 4, encoding_format: 'float' })).json()) as {
      data: { index: number; embedding: number[] }[];
      usage: { prompt_tokens: number };
    };
    expect(floats.data.map((d) => d.index)).toEqual([0, 1]);
    expect(floats.data[0]?.embedding).toEqual(simEmbedding('a b', 4));
    const b64 = (await (await post('/embeddings', { input: 'a b', dimensions: 4, encoding_format: 'base64' })).json()) as {
      data: { embedding: string }[];
    };
    const buf = Buffer.from(b64.data[0]?.embedding ?? '', 'base64');
    expect(buf.length).toBe(16);
    const decoded = [0, 1, 2, 3].map((i) => buf.readFloatLE(i * 4));
    expect(decoded).toEqual(floats.data[0]?.embedding);
    const large = (await (await post('/embeddings', { model: 'text-embedding-3-large', input: 'x', encoding_format: 'float' })).json()) as {
      data: { embedding: number[] }[];
    };
    expect(large.data[0]?.embedding).toHaveLength(3072);
    expect((await post('/embeddings', { input: [1, 2, 3] })).status).toBe(400);
  });

  it('lists models and answers 404 on unknown routes', async () => {
    const res = await fetch(`${sim.baseUrl}/models`, { headers: { authorization: 'Bearer sk-sim' } });
    const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect((await post('/nope', {})).status).toBe(404);
  });

  it('uses scripted replies first, then the responder', async () => {
    sim.script([{ text: 'scripted' }]);
    sim.setResponder(() => ({ text: 'from responder' }));
    const ask = async () =>
      ((await (await post('/chat/completions', { messages: [{ role: 'user', content: 'x' }] })).json()) as {
        choices: { message: { content: string } }[];
      }).choices[0]?.message.content;
    expect(await ask()).toBe('scripted');
    expect(await ask()).toBe('from responder');
  });
});

describe('OpenAI simulator: time to the first chunk counted from arrival (the load harness)', () => {
  it('includes a slow responder inside the drawn time, and reports the time actually taken', async () => {
    const seen: { drawnFor: string[]; actualMs: number[] } = { drawnFor: [], actualMs: [] };
    const sim = await startOpenAiSim({
      interTokenDelayMs: 0,
      timeToFirstChunk: {
        drawMs: (req) => {
          seen.drawnFor.push(String(req.messages.at(-1)?.content));
          return 60;
        },
        onFirstChunk: (_req, actualMs) => seen.actualMs.push(actualMs),
      },
      // 40 ms of the simulator's own work: inside the 60 ms, not added to it.
      responder: async () => {
        await new Promise((r) => setTimeout(r, 40));
        return { text: 'Hello.' };
      },
    });
    try {
      const startedAt = performance.now();
      const res = await fetch(`${sim.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const data = await sse(res);
      const tookMs = performance.now() - startedAt;
      expect(data.at(-1)).toBe('[DONE]');
      expect(seen.drawnFor).toEqual(['hi']);
      expect(seen.actualMs).toHaveLength(1);
      // Never early; the responder's 40 ms did not push it to 100 (a loose upper bound: timers on a busy runner).
      expect(seen.actualMs[0]!).toBeGreaterThanOrEqual(60);
      expect(seen.actualMs[0]!).toBeLessThan(95);
      expect(tookMs).toBeGreaterThanOrEqual(60);
    } finally {
      await sim.close();
    }
  });
});

describe('simulator helpers', () => {
  const base: SimChatRequest = { model: 'm', messages: [], tools: [], stream: true };
  const nextStage = { type: 'function', function: { name: 'next_stage', parameters: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] } } };

  it('default responder: greeting, acknowledgement, next_stage when done, move on after a tool result, JSON for a schema', () => {
    expect(defaultResponder(base)).toMatchObject({ text: expect.stringMatching(/^Hello/) });
    expect(defaultResponder({ ...base, messages: [{ role: 'user', content: 'I mostly write Go services' }] })).toEqual({
      text: 'Thanks, I heard: "I mostly write Go services". Could you tell me more about that?',
    });
    expect(defaultResponder({ ...base, tools: [nextStage], messages: [{ role: 'user', content: "OK, I'm done." }] })).toEqual({
      toolCalls: [{ name: 'next_stage', arguments: { summary: 'sim' } }],
    });
    expect(defaultResponder({ ...base, messages: [{ role: 'user', content: "I'm done." }] })).toHaveProperty('text');
    expect(
      defaultResponder({ ...base, tools: [nextStage], messages: [{ role: 'user', content: 'done' }, { role: 'tool', content: '{}', tool_call_id: 'c' }] }),
    ).toHaveProperty('text');
    expect(
      defaultResponder({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', properties: { a: { type: 'boolean' } } } } } }),
    ).toEqual({ json: { a: false } });
  });

  it('sampleFromSchema covers enums, nullable unions, arrays with minItems and integers with a minimum', () => {
    expect(
      sampleFromSchema({
        type: 'object',
        properties: {
          e: { enum: ['x', 'y'] },
          n: { type: ['null', 'number'] },
          arr: { type: 'array', minItems: 2, items: { type: 'integer', minimum: 3 } },
          any: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
      }),
    ).toEqual({ e: 'x', n: 0, arr: [3, 3], any: 'sim' });
  });

  it('splitTokens keeps every character', () => {
    for (const text of ['Hello world', '  leading and trailing  ', 'one', '', 'a\n\nb  c']) {
      expect(splitTokens(text).join('')).toBe(text);
    }
    expect(splitTokens('Hello big world')).toEqual(['Hello', ' big', ' world']);
  });

  it('embeddings are deterministic unit vectors, closer for texts that share words', () => {
    const a = simEmbedding('kafka stream processing', 64);
    expect(simEmbedding('kafka stream processing', 64)).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    expect(dot(a, simEmbedding('Kafka stream processing!', 64))).toBeGreaterThan(0.99);
    expect(dot(a, simEmbedding('stream processing with kafka', 64))).toBeGreaterThan(dot(a, simEmbedding('gardening tips', 64)));
    expect(simEmbedding('', 8)).toHaveLength(8);
  });
});
