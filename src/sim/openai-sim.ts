/**
 * An OpenAI-compatible HTTP server for tests, the demo and benchmarks: chat completions (SSE streaming with tool
 * calls, or one JSON object), structured output, embeddings (float or base64) and the model list. Replies come
 * from a pluggable responder or a script; faults come from a FaultSwitch, one fault taken per request.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortedError, sleep } from '../lib/abort.js';
import { FaultSwitch, drawLatencyMs } from './faults.js';
import type { Fault, LatencyProfile } from './faults.js';
import { preciseWait } from './precise-wait.js';

export interface SimMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}
export interface SimTool {
  type: string;
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}
export interface SimResponseFormat {
  type: string;
  json_schema?: { name: string; schema?: Record<string, unknown>; strict?: boolean };
}
export interface SimChatRequest {
  model: string;
  messages: SimMessage[];
  tools: SimTool[];
  response_format?: SimResponseFormat;
  stream: boolean;
}
export type SimReply =
  | { text?: string; toolCalls?: { name: string; arguments: object }[] }
  | { json: unknown }
  /** Exact content and finish reason, e.g. a structured output cut off mid-JSON (`finishReason: 'length'`). */
  | { raw: string; finishReason?: string };
export type SimResponder = (req: SimChatRequest) => SimReply | Promise<SimReply>;

export type SimOutcome = 'pending' | 'completed' | 'error_status' | 'refused' | 'dropped' | 'client_closed';
export interface RecordedRequest {
  method: string;
  /** Path without query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  outcome: SimOutcome;
  /** Resolves once the exchange is over (finished, failed, or the client went away). */
  settled: Promise<SimOutcome>;
}

export interface OpenAiSimOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** Delay before the first chunk (streaming) or the whole answer. */
  latency?: LatencyProfile;
  /** Delay between streamed chunks. Default 2 ms. */
  interTokenDelayMs?: number;
  responder?: SimResponder;
  models?: string[];
  /**
   * The load harness's timing of streamed chats, instead of `latency`: `drawMs` gives a request's intended time to
   * its first chunk, counted from the request's arrival and waited precisely (precise-wait.ts), so everything the
   * simulator does (parsing, the responder, preparing the chunks) is inside it, as a real model's own work is inside
   * its time to first token. `onFirstChunk` gets the time actually taken.
   */
  timeToFirstChunk?: {
    drawMs(req: SimChatRequest): number;
    onFirstChunk?(req: SimChatRequest, actualMs: number): void;
  };
}

export interface OpenAiSim {
  /** `http://127.0.0.1:<port>/v1`: pass as the SDK's baseURL. */
  baseUrl: string;
  faults: FaultSwitch;
  requests: RecordedRequest[];
  setResponder(fn: SimResponder): void;
  /** Queue replies for the next chat requests, in order; the responder answers once the queue is empty. */
  script(replies: SimReply[]): void;
  /** Requests still in flight (e.g. a stalled stream the client has not closed). */
  activeRequests(): number;
  close(): Promise<void>;
}

interface Exchange {
  /** `performance.now()` when the request arrived. */
  arrivedAtMs: number;
  res: ServerResponse;
  fault: Fault;
  signal: AbortSignal;
  finish: (outcome: SimOutcome) => void;
}

class Dropped extends Error {}

/** No wait at all for 0 ms: even `setTimeout(0)` takes a millisecond, which the load verdict would charge to the service. */
const waitMs = (ms: number, signal: AbortSignal): Promise<void> =>
  ms > 0 ? sleep(ms, signal) : signal.aborted ? Promise.reject(new AbortedError()) : Promise.resolve();

export async function startOpenAiSim(opts: OpenAiSimOptions = {}): Promise<OpenAiSim> {
  const faults = new FaultSwitch();
  const requests: RecordedRequest[] = [];
  const queue: SimReply[] = [];
  let responder: SimResponder = opts.responder ?? defaultResponder;
  const interTokenDelayMs = opts.interTokenDelayMs ?? 2;
  const models = opts.models ?? ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'text-embedding-3-large'];

  const route = async (ex: Exchange, method: string, path: string, body: unknown): Promise<void> => {
    if (method === 'POST' && path === '/v1/chat/completions') return chat(ex, body as Record<string, unknown>);
    if (method === 'POST' && path === '/v1/embeddings') return embeddings(ex, body as Record<string, unknown>);
    if (method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'screenline-sim' }));
      return sendJson(ex, 200, { object: 'list', data });
    }
    return sendError(ex, 404, `Unknown route ${method} ${path}`, 'invalid_request_error', 'not_found');
  };

  const chat = async (ex: Exchange, body: Record<string, unknown>): Promise<void> => {
    if (!Array.isArray(body.messages)) {
      return sendError(ex, 400, "'messages' is required", 'invalid_request_error', 'invalid_value');
    }
    const req: SimChatRequest = {
      model: String(body.model ?? 'gpt-4o-mini'),
      messages: body.messages as SimMessage[],
      tools: Array.isArray(body.tools) ? (body.tools as SimTool[]) : [],
      response_format: body.response_format as SimResponseFormat | undefined,
      stream: body.stream === true,
    };
    const timing = req.stream ? opts.timeToFirstChunk : undefined;
    const intendedMs = timing?.drawMs(req);
    const reply = normalize(queue.shift() ?? (await responder(req)));
    const meta = { id: `chatcmpl-sim${requests.length}`, created: Math.floor(Date.now() / 1000), model: req.model };
    const promptTokens = Math.ceil(JSON.stringify(req.messages).length / 4);
    if (!req.stream) {
      await waitMs(drawLatencyMs(opts.latency) + (ex.fault.firstChunkDelayMs ?? 0), ex.signal);
      return sendJson(ex, 200, completionObject(meta, reply, promptTokens));
    }
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    const chunks = streamChunks(meta, reply, promptTokens, streamOptions?.include_usage === true);
    ex.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    ex.res.flushHeaders();
    const lines = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`);
    if (timing && intendedMs !== undefined) {
      await preciseWait(Math.max(0, ex.arrivedAtMs + intendedMs + (ex.fault.firstChunkDelayMs ?? 0) - performance.now()), ex.signal);
    } else {
      await waitMs(drawLatencyMs(opts.latency) + (ex.fault.firstChunkDelayMs ?? 0), ex.signal);
    }
    for (let i = 0; i < chunks.length; i++) {
      if (ex.fault.dropAfterChunks !== undefined && i >= ex.fault.dropAfterChunks) throw new Dropped();
      if (ex.fault.stallAfterChunks !== undefined && i >= ex.fault.stallAfterChunks) {
        await new Promise<void>((resolve) => ex.signal.addEventListener('abort', () => resolve(), { once: true }));
        return;
      }
      if (i > 0 && interTokenDelayMs > 0) await sleep(interTokenDelayMs, ex.signal);
      ex.res.write(lines[i]);
      if (i === 0) timing?.onFirstChunk?.(req, performance.now() - ex.arrivedAtMs);
    }
    ex.res.end('data: [DONE]\n\n');
  };

  const embeddings = async (ex: Exchange, body: Record<string, unknown>): Promise<void> => {
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || !input.every((t) => typeof t === 'string')) {
      return sendError(ex, 400, "'input' must be a string or an array of strings", 'invalid_request_error', null);
    }
    const model = String(body.model ?? 'text-embedding-3-small');
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : model.endsWith('-large') ? 3072 : 1536;
    const base64 = body.encoding_format === 'base64';
    await waitMs(drawLatencyMs(opts.latency) + (ex.fault.firstChunkDelayMs ?? 0), ex.signal);
    const data = (input as string[]).map((text, index) => {
      const vector = simEmbedding(text, dimensions);
      return { object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector };
    });
    const tokens = (input as string[]).reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    return sendJson(ex, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  };

  const server = http.createServer((req, res) => {
    let settle: (o: SimOutcome) => void = () => {};
    const settled = new Promise<SimOutcome>((resolve) => (settle = resolve));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path, headers: req.headers, body: undefined, outcome: 'pending', settled };
    requests.push(record);
    const finish = (outcome: SimOutcome) => {
      if (record.outcome !== 'pending') return;
      record.outcome = outcome;
      settle(outcome);
    };
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) finish('client_closed');
      controller.abort();
    });
    const ex: Exchange = { arrivedAtMs: performance.now(), res, fault: faults.take(), signal: controller.signal, finish };
    (async () => {
      try {
        record.body = await readJson(req);
        if (ex.fault.refuseConnection) {
          finish('refused');
          req.socket.destroy();
          return;
        }
        if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
          return sendError(ex, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
        }
        if (ex.fault.status) {
          const [type, code] = errorTypeFor(ex.fault.status);
          return sendError(ex, ex.fault.status, `Simulated error ${ex.fault.status}`, type, code);
        }
        await route(ex, record.method, path, record.body);
        finish('completed');
      } catch (err) {
        if (err instanceof Dropped) {
          finish('dropped');
          res.socket?.destroy();
        } else if (controller.signal.aborted) {
          finish('client_closed');
        } else if (!res.headersSent) {
          sendError(ex, err instanceof SyntaxError ? 400 : 500, String(err), 'server_error', null);
        } else {
          finish('dropped');
          res.destroy();
        }
      }
    })().catch(() => res.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    faults,
    requests,
    setResponder: (fn) => {
      responder = fn;
    },
    script: (replies) => {
      queue.push(...replies);
    },
    activeRequests: () => requests.filter((r) => r.outcome === 'pending').length,
    close: () => {
      // Idempotent, and does not wait for stalled streams: their sockets are destroyed.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ---- wire shapes ----

interface Meta {
  id: string;
  created: number;
  model: string;
}
interface NormalReply {
  text: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason?: string;
}

function normalize(reply: SimReply): NormalReply {
  if ('json' in reply) return { text: JSON.stringify(reply.json), toolCalls: [] };
  if ('raw' in reply) return { text: reply.raw, toolCalls: [], finishReason: reply.finishReason };
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: `call_sim${i}_${Math.random().toString(36).slice(2, 10)}`,
    name: c.name,
    arguments: JSON.stringify(c.arguments),
  }));
  return { text: reply.text ?? (toolCalls.length ? null : ''), toolCalls };
}

const finishReasonOf = (r: NormalReply) => r.finishReason ?? (r.toolCalls.length ? 'tool_calls' : 'stop');

/** Word-ish tokens that keep their leading space, so the deltas concatenate back to the exact text. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : []);
}

function splitFragments(text: string, size = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function streamChunks(meta: Meta, reply: NormalReply, promptTokens: number, includeUsage: boolean): object[] {
  const chunk = (delta: object, finish: string | null = null) => ({
    ...meta,
    object: 'chat.completion.chunk',
    system_fingerprint: 'fp_sim',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const out: object[] = [chunk({ role: 'assistant', content: reply.text === null ? null : '', refusal: null })];
  for (const token of splitTokens(reply.text ?? '')) out.push(chunk({ content: token }));
  reply.toolCalls.forEach((call, index) => {
    const head = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    out.push(chunk({ tool_calls: [head] }));
    for (const piece of splitFragments(call.arguments)) {
      out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  const completionTokens = out.length - 1;
  out.push(chunk({}, finishReasonOf(reply)));
  if (includeUsage) {
    const usage = usageOf(promptTokens, completionTokens);
    out.push({ ...meta, object: 'chat.completion.chunk', system_fingerprint: 'fp_sim', choices: [], usage });
  }
  return out;
}

function completionObject(meta: Meta, reply: NormalReply, promptTokens: number): object {
  const completionTokens = splitTokens(reply.text ?? '').length + reply.toolCalls.length * 8;
  const toolCalls = reply.toolCalls.map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  const message = { role: 'assistant', content: reply.text, refusal: null, annotations: [] };
  return {
    ...meta,
    object: 'chat.completion',
    system_fingerprint: 'fp_sim',
    choices: [
      {
        index: 0,
        message: toolCalls.length ? { ...message, tool_calls: toolCalls } : message,
        logprobs: null,
        finish_reason: finishReasonOf(reply),
      },
    ],
    usage: usageOf(promptTokens, completionTokens),
  };
}

const usageOf = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

function errorTypeFor(status: number): [string, string | null] {
  if (status === 429) return ['requests', 'rate_limit_exceeded'];
  if (status === 401) return ['invalid_request_error', 'invalid_api_key'];
  if (status >= 500) return ['server_error', status === 503 ? 'service_unavailable' : null];
  return ['invalid_request_error', null];
}

function sendError(ex: Exchange, status: number, message: string, type: string, code: string | null): void {
  ex.finish('error_status');
  sendJson(ex, status, { error: { message, type, param: null, code } });
}

function sendJson(ex: Exchange, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  ex.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  ex.res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

// ---- embeddings ----

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addRandom(into: Float64Array, seed: number, weight: number): void {
  const next = mulberry32(seed);
  for (let d = 0; d < into.length; d++) into[d] = (into[d] ?? 0) + weight * (next() * 2 - 1);
}

function normalizeInPlace(v: Float64Array): void {
  const norm = Math.hypot(...v) || 1;
  for (let d = 0; d < v.length; d++) v[d] = (v[d] ?? 0) / norm;
}

/**
 * Deterministic unit vector: a bag-of-words part (one seeded random vector per word, so texts that share words
 * are closer) plus a smaller per-text part (so different texts never collide). Values are float32-rounded, so the
 * float and base64 encodings carry identical numbers.
 */
export function simEmbedding(text: string, dimensions: number): number[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const bag = new Float64Array(dimensions);
  for (const word of words) addRandom(bag, fnv1a(`w:${word}`), 1);
  if (words.length > 0) normalizeInPlace(bag);
  addRandom(bag, fnv1a(`t:${text}`), words.length > 0 ? 0.02 : 1);
  normalizeInPlace(bag);
  return Array.from(bag, (x) => Math.fround(x));
}

function float32Base64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

// ---- default responder ----

/**
 * Rules, in order: a json_schema response format gets a minimal instance of the schema; right after a tool
 * result, a short move-on line; if tools include `next_stage` and the last user message says they are done
 * ("done", "finished", "that's all", "next"), a `next_stage` call; otherwise an acknowledgement that quotes the
 * first words of the last user message and asks a follow-up question (or a greeting when there is none).
 */
export const defaultResponder: SimResponder = (req) => {
  const format = req.response_format;
  if (format?.type === 'json_schema') return { json: sampleFromSchema(format.json_schema?.schema ?? {}) };
  if (format?.type === 'json_object') return { json: {} };
  if (req.messages.at(-1)?.role === 'tool') {
    return { text: "Thanks. Let's move on. What did you work on most recently?" };
  }
  const last = lastUserText(req.messages);
  const nextStage = req.tools.find((t) => t.function.name === 'next_stage');
  if (nextStage && /\b(done|finished|that's all|next)\b/i.test(last)) {
    const args = sampleFromSchema(nextStage.function.parameters ?? {}) as object;
    return { toolCalls: [{ name: 'next_stage', arguments: args }] };
  }
  if (!last) return { text: 'Hello! Could you start by telling me a little about yourself?' };
  const excerpt = last.split(/\s+/).slice(0, 8).join(' ');
  return { text: `Thanks, I heard: "${excerpt}". Could you tell me more about that?` };
};

function lastUserText(messages: SimMessage[]): string {
  const user = [...messages].reverse().find((m) => m.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  if (!Array.isArray(user.content)) return '';
  return user.content
    .map((p: { type?: string; text?: string }) => (p.type === 'text' ? (p.text ?? '') : ''))
    .join(' ')
    .trim();
}

/** A minimal value that satisfies a (strict-mode) JSON Schema: first enum value, empty strings, zeros. */
export function sampleFromSchema(schema: Record<string, unknown>): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const union = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (Array.isArray(union) && union[0]) return sampleFromSchema(union[0]);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, sampleFromSchema(s)]));
    }
    case 'array': {
      const item = (schema.items ?? {}) as Record<string, unknown>;
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => sampleFromSchema(item));
    }
    case 'string':
      return 'sim';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}
