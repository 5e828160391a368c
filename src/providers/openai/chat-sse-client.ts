/**
 * The streaming chat request on the call path, over node:http(s) with a keep-alive agent, its `text/event-stream`
 * body parsed by eventsource-parser. The SDK reads the same body through fetch and web streams, which cost 1–3 ms
 * per reply before the first text on the build machine (scripts/bench/hop-floor.ts, docs/benchmarks.md): a large
 * share of the 10 ms turn budget. The SDK stays for structured output and embeddings, which are off the call path.
 *
 * Errors come out as ProviderError with the same kinds the SDK's classes map to (error-mapping.ts), so the fallback
 * wrapper cannot tell the two apart. Aborting `signal` ends the iterator quietly.
 */
import http from 'node:http';
import https from 'node:https';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { ProviderError, kindForStatus } from '../errors.js';
import { PROVIDER, describe, kindFromErrorCode } from './error-mapping.js';

/** Idle pooled sockets are closed after this, or a second before the server's own keep-alive hint if shorter. */
const IDLE_SOCKET_TIMEOUT_MS = 60_000;

/** How much of an error response is read for its message. */
const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

export interface ChatSseClientOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string;
}

class StaleSocketError extends Error {}

export class ChatSseClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  private readonly headers: Record<string, string>;

  constructor(opts: ChatSseClientOptions) {
    this.url = new URL(`${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`);
    const secure = this.url.protocol === 'https:';
    // lifo: the socket used last is the least likely to have been closed by the server's idle timer. A timeout is
    // what lets Node honour the server's `Keep-Alive: timeout=N` hint (idle sockets closed a second before it);
    // on a busy socket it only emits an event, which nothing acts on.
    const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_TIMEOUT_MS };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.send = secure ? https.request : http.request;
    this.headers = {
      authorization: `Bearer ${opts.apiKey}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'user-agent': 'screenline',
    };
  }

  /**
   * POSTs `body` and yields each SSE `data:` payload parsed as JSON, until `[DONE]` and the end of the body.
   * `headersTimeoutMs` bounds the wait for the response headers; the first-token and stall clocks are the caller's.
   */
  async *stream(body: unknown, signal: AbortSignal, headersTimeoutMs: number): AsyncGenerator<unknown, void, undefined> {
    if (signal.aborted) return;
    const payload = JSON.stringify(body);
    let opened: Opened;
    try {
      opened = await this.open(payload, signal, headersTimeoutMs).catch((err: unknown) => {
        // A keep-alive socket the server closed while it sat idle: once more on a fresh one (Node's http docs).
        if (err instanceof StaleSocketError && !signal.aborted) return this.open(payload, signal, headersTimeoutMs);
        throw err;
      });
    } catch (err) {
      if (signal.aborted) return;
      throw err instanceof StaleSocketError ? connectionFailed(err.cause) : err;
    }
    const { req, res, detach } = opened;
    try {
      const status = res.statusCode ?? 0;
      if (status >= 400) throw await httpError(status, res);
      res.setEncoding('utf8');
      const events: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (e) => events.push(e) });
      let done = false;
      for await (const text of res) {
        parser.feed(text as string);
        for (const event of events) {
          if (done) break;
          // Read on to the end of the body after [DONE], so the socket goes back to the pool.
          if (event.data === '[DONE]') done = true;
          else yield parseData(event);
        }
        events.length = 0;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(PROVIDER, 'connection', `connection dropped: ${describe(err)}`, { cause: err });
    } finally {
      detach();
      // Stopped early (consumer break, error, abort): this socket cannot be reused.
      if (!res.complete) req.destroy();
    }
  }

  private open(payload: string, signal: AbortSignal, headersTimeoutMs: number): Promise<Opened> {
    return new Promise<Opened>((resolve, reject) => {
      const req = this.send(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, 'content-length': String(Buffer.byteLength(payload)) },
      });
      let response: http.IncomingMessage | undefined;
      // Not the request's own `signal` option: an abort after the body has ended must leave the socket pooled.
      const onAbort = () => {
        if (!response?.complete) req.destroy();
      };
      const timer = setTimeout(() => {
        req.destroy(new ProviderError(PROVIDER, 'timeout', 'request timed out'));
      }, headersTimeoutMs);
      const detach = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => {
        // Once the response has begun, its own stream reports the failure to the reader.
        if (response) return;
        detach();
        if (err instanceof ProviderError) reject(err);
        else if (req.reusedSocket && isReset(err)) reject(new StaleSocketError('stale keep-alive socket', { cause: err }));
        else reject(connectionFailed(err));
      });
      req.once('response', (res) => {
        response = res;
        clearTimeout(timer);
        resolve({ req, res, detach });
      });
      req.end(payload);
    });
  }
}

interface Opened {
  req: http.ClientRequest;
  res: http.IncomingMessage;
  detach: () => void;
}

function parseData(event: EventSourceMessage): unknown {
  let data: { error?: { message?: string; code?: string | null; type?: string } };
  try {
    data = JSON.parse(event.data) as typeof data;
  } catch (err) {
    throw new ProviderError(PROVIDER, 'protocol', `unparseable data: ${describe(err)}`, { cause: err });
  }
  // An `error` object inside the stream (no HTTP status): the server gave up mid-reply.
  if (data?.error || event.event === 'error') {
    const e = data?.error ?? {};
    throw new ProviderError(PROVIDER, kindFromErrorCode(e.code, e.type), `stream error: ${e.message ?? event.data}`);
  }
  return data;
}

async function httpError(status: number, res: http.IncomingMessage): Promise<ProviderError> {
  let text = '';
  try {
    res.setEncoding('utf8');
    for await (const chunk of res) {
      text += chunk as string;
      if (text.length > ERROR_BODY_LIMIT_BYTES) break;
    }
  } catch {
    // The status is what matters; a body cut off only loses the detail.
  }
  let message = text.slice(0, 500).trim() || (http.STATUS_CODES[status] ?? 'error');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string };
    const detail = typeof body.error === 'string' ? body.error : body.error?.message;
    if (detail) message = detail;
  } catch {
    // not JSON: keep the text
  }
  return new ProviderError(PROVIDER, kindForStatus(status), `HTTP ${status}: ${message}`, { status });
}

function connectionFailed(err: unknown): ProviderError {
  return new ProviderError(PROVIDER, 'connection', `connection failed: ${describe(err)}`, { cause: err });
}

function isReset(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
