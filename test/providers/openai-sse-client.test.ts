/**
 * The call path's streaming chat transport (chat-sse-client.ts), against plain node:http servers that do what real
 * servers do to a keep-alive client: reuse its socket, close it while idle, answer with an error body, send an SSE
 * error event, or never answer at all.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import type { ChatEvent } from '../../src/providers/llm.js';
import { ChatSseClient } from '../../src/providers/openai/chat-sse-client.js';
import { OpenAiModel } from '../../src/providers/openai/openai-chat.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, nthOnSocket: number) => void;

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A reply split across writes, the way a server flushes tokens. */
const reply: Handler = (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk('Hello'));
  res.write(chunk(' there.').slice(0, 20));
  setTimeout(() => res.end(`${chunk(' there.').slice(20)}${chunk('', 'stop')}data: [DONE]\n\n`), 5);
};

let servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

async function serve(handler: Handler): Promise<{ baseUrl: string; sockets: Set<Socket>; requests: () => number }> {
  const sockets = new Set<Socket>();
  const perSocket = new WeakMap<Socket, number>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    handler(req, res, n);
  });
  server.on('connection', (s) => sockets.add(s));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, sockets, requests: () => requests };
}

async function collect(model: OpenAiModel, signal?: AbortSignal): Promise<{ events: ChatEvent[]; error: unknown }> {
  const events: ChatEvent[] = [];
  try {
    for await (const e of model.stream({ messages: [{ role: 'user', content: 'hi' }], signal })) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

const text = (events: ChatEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');

describe('ChatSseClient', () => {
  it('parses events split across writes and reuses one socket for reply after reply', async () => {
    const server = await serve(reply);
    const model = new OpenAiModel({ baseUrl: server.baseUrl });
    for (let i = 0; i < 3; i++) {
      const { events, error } = await collect(model);
      expect(error).toBeUndefined();
      expect(text(events)).toBe('Hello there.');
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    }
    expect(server.requests()).toBe(3);
    expect(server.sockets.size).toBe(1);
  });

  it('sends the request as the SDK would: bearer key, JSON body with stream options', async () => {
    let seen: { headers: http.IncomingHttpHeaders; body: string } | undefined;
    const server = await serve((req, res, n) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen = { headers: req.headers, body };
        reply(req, res, n);
      });
    });
    await collect(new OpenAiModel({ baseUrl: server.baseUrl, apiKey: 'sk-abc', model: 'gpt-x' }));
    expect(seen?.headers.authorization).toBe('Bearer sk-abc');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen!.body)).toMatchObject({ model: 'gpt-x', stream: true, stream_options: { include_usage: true } });
  });

  it('a keep-alive socket the server closed while idle is retried once on a fresh one', async () => {
    // The second request on any socket finds it closed, as when the server's idle timer fires just then.
    const server = await serve((req, res, n) => {
      if (n > 1) return req.socket.destroy();
      reply(req, res, n);
    });
    const model = new OpenAiModel({ baseUrl: server.baseUrl });
    expect(text((await collect(model)).events)).toBe('Hello there.');
    const second = await collect(model);
    expect(second.error).toBeUndefined();
    expect(text(second.events)).toBe('Hello there.');
    expect(server.requests()).toBe(3);
    expect(server.sockets.size).toBe(2);
  });

  it('an error status carries the server’s message and the kind the fallback decides on', async () => {
    const server = await serve((req, res) => {
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached for gpt-x', type: 'requests', code: 'rate_limit_exceeded' } }));
    });
    const { error } = await collect(new OpenAiModel({ baseUrl: server.baseUrl }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429, retryable: true });
    expect((error as Error).message).toMatch(/HTTP 429: Rate limit reached for gpt-x/);
  });

  it('an error event inside the stream → its kind, with the deltas before it delivered', async () => {
    const server = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${chunk('Hel')}data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })}\n\n`);
    });
    const { events, error } = await collect(new OpenAiModel({ baseUrl: server.baseUrl }));
    expect(text(events)).toBe('Hel');
    expect(error).toMatchObject({ kind: 'server' });
    expect((error as Error).message).toMatch(/stream error: overloaded/);
  });

  it('data that is not JSON → protocol', async () => {
    const server = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {not json\n\n');
    });
    expect((await collect(new OpenAiModel({ baseUrl: server.baseUrl }))).error).toMatchObject({ kind: 'protocol' });
  });

  it('no response headers within the request timeout → timeout', async () => {
    const server = await serve((req) => req.resume());
    const model = new OpenAiModel({ baseUrl: server.baseUrl, requestTimeoutMs: 100, firstTokenTimeoutMs: 5_000 });
    const { error } = await collect(model);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect((error as Error).message).toMatch(/request timed out/);
  });

  it('aborting before the headers ends quietly and closes the request', async () => {
    const server = await serve((req) => req.resume());
    const client = new ChatSseClient({ baseUrl: server.baseUrl, apiKey: 'k' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const got: unknown[] = [];
    for await (const c of client.stream({}, controller.signal, 5_000)) got.push(c);
    expect(got).toEqual([]);
    await expect.poll(() => [...server.sockets].every((s) => s.destroyed || s.readyState === 'closed')).toBe(true);
  });
});
