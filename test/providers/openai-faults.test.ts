import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import type { ChatEvent } from '../../src/providers/llm.js';
import { OpenAiModel } from '../../src/providers/openai/openai-chat.js';
import { startOpenAiSim } from '../../src/sim/openai-sim.js';
import type { OpenAiSim } from '../../src/sim/openai-sim.js';

async function run(model: OpenAiModel): Promise<{ events: ChatEvent[]; error: unknown }> {
  const events: ChatEvent[] = [];
  try {
    for await (const e of model.stream({ messages: [{ role: 'user', content: 'hello' }] })) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

function providerError(error: unknown): ProviderError {
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('OpenAiModel.stream fault mapping', () => {
  let sim: OpenAiSim;
  let model: OpenAiModel;

  beforeEach(async () => {
    sim = await startOpenAiSim({ apiKey: 'sk-test', interTokenDelayMs: 5 });
    model = new OpenAiModel({
      apiKey: 'sk-test',
      baseUrl: sim.baseUrl,
      // Generous: the first-token clock includes connecting, and the test machine is busy.
      firstTokenTimeoutMs: 1_500,
      stallTimeoutMs: 1_500,
    });
    sim.script([{ text: 'one two three four five six seven eight nine ten' }]);
  });
  afterEach(async () => {
    await sim.close();
  });

  it('429 → rate_limit, retryable, no SDK retry while streaming', async () => {
    sim.faults.once({ status: 429 });
    const err = providerError((await run(model)).error);
    expect(err).toMatchObject({ kind: 'rate_limit', retryable: true, status: 429, provider: 'openai' });
    expect(sim.requests).toHaveLength(1);
  });

  it('500 and 503 → server, retryable', async () => {
    sim.faults.once({ status: 500 }).once({ status: 503 });
    expect(providerError((await run(model)).error)).toMatchObject({ kind: 'server', retryable: true, status: 500 });
    expect(providerError((await run(model)).error)).toMatchObject({ kind: 'server', status: 503 });
  });

  it('wrong key → 401 → auth, not retryable', async () => {
    const wrong = new OpenAiModel({ apiKey: 'sk-wrong', baseUrl: sim.baseUrl });
    const err = providerError((await run(wrong)).error);
    expect(err).toMatchObject({ kind: 'auth', retryable: false, status: 401 });
    expect(sim.requests[0]?.outcome).toBe('error_status');
  });

  it('400 → bad_request, not retryable', async () => {
    sim.faults.once({ status: 400 });
    expect(providerError((await run(model)).error)).toMatchObject({ kind: 'bad_request', retryable: false });
  });

  it('refused connection → connection, retryable', async () => {
    sim.faults.once({ refuseConnection: true });
    const err = providerError((await run(model)).error);
    expect(err).toMatchObject({ kind: 'connection', retryable: true });
    expect(sim.requests[0]?.outcome).toBe('refused');
  });

  it('nothing listening → connection', async () => {
    const closed = await startOpenAiSim();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const err = providerError((await run(new OpenAiModel({ baseUrl }))).error);
    expect(err.kind).toBe('connection');
  });

  it('first token later than firstTokenTimeoutMs → timeout, request aborted', async () => {
    sim.faults.once({ firstChunkDelayMs: 10_000 });
    const { events, error } = await run(model);
    expect(events).toEqual([]);
    const err = providerError(error);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(err.message).toMatch(/no first token within 1500 ms/);
    await expect(sim.requests[0]?.settled).resolves.toBe('client_closed');
  });

  it('a role-only first chunk does not count as the first token', async () => {
    sim.faults.once({ stallAfterChunks: 1 });
    const err = providerError((await run(model)).error);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/first token/);
  });

  it('stall after tokens started → timeout (stall), with the earlier deltas delivered', async () => {
    sim.faults.once({ stallAfterChunks: 4 });
    const { events, error } = await run(model);
    expect(events.map((e) => (e.type === 'text' ? e.delta : e.type))).toEqual(['one', ' two', ' three']);
    const err = providerError(error);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/stalled/);
    await expect(sim.requests[0]?.settled).resolves.toBe('client_closed');
  });

  it('a slow consumer is not mistaken for a stalled server', async () => {
    const impatient = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, stallTimeoutMs: 100 });
    const events: ChatEvent[] = [];
    for await (const e of impatient.stream({ messages: [{ role: 'user', content: 'x' }] })) {
      events.push(e);
      if (events.length === 2) await new Promise((r) => setTimeout(r, 400));
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('connection dropped mid-stream → connection', async () => {
    sim.faults.once({ dropAfterChunks: 3 });
    const { events, error } = await run(model);
    expect(events.filter((e) => e.type === 'done')).toEqual([]);
    expect(providerError(error)).toMatchObject({ kind: 'connection', retryable: true });
    expect(sim.requests[0]?.outcome).toBe('dropped');
  });

  it('connection dropped right after the headers → connection', async () => {
    sim.faults.once({ dropAfterChunks: 0 });
    expect(providerError((await run(model)).error).kind).toBe('connection');
  });

  it('works without a key against a server that does not check one', async () => {
    const open = await startOpenAiSim();
    try {
      open.script([{ text: 'hi' }]);
      const { events, error } = await run(new OpenAiModel({ baseUrl: open.baseUrl }));
      expect(error).toBeUndefined();
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
      expect(open.requests[0]?.headers.authorization).toMatch(/^Bearer \S+/);
    } finally {
      await open.close();
    }
  });
});

describe('OpenAiModel.stream against servers that misbehave', () => {
  it('an SSE body with no chunks → protocol; a body cut off before finish_reason → connection', async () => {
    const http = await import('node:http');
    let mode: 'empty' | 'cut' = 'empty';
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (mode === 'empty') return res.end('data: [DONE]\n\n');
      const chunk = {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 0,
        model: 'm',
        choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }],
      };
      res.end(`data: ${JSON.stringify(chunk)}\n\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const model = new OpenAiModel({ baseUrl: `http://127.0.0.1:${port}/v1` });
      expect(providerError((await run(model)).error).kind).toBe('protocol');
      mode = 'cut';
      const { events, error } = await run(model);
      expect(events).toEqual([{ type: 'text', delta: 'partial' }]);
      expect(providerError(error).kind).toBe('connection');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
