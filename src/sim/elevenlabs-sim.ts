/**
 * ElevenLabs simulator on loopback: the HTTP stream endpoint the SDK calls and the stream-input WebSocket, both
 * answering deterministic, non-silent `ulaw_8000` pseudo-speech whose length follows the text. Faults come from a
 * FaultSwitch (refused connection, error status, drop, stall, slow first chunk); every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { setMaxListeners } from 'node:events';
import { sleep } from '../lib/abort.js';
import { chunkBytes, pseudoSpeechMulaw } from '../providers/testing/pseudo-speech.js';
import type { Fault, LatencyObservation, LatencyProfile } from './faults.js';
import { FaultSwitch, drawLatencyMs } from './faults.js';
import { preciseWait } from './precise-wait.js';

export interface ElevenLabsSimOptions {
  /** When set, `xi-api-key` must equal it (401 otherwise). */
  apiKey?: string;
  /** Delay before the first audio chunk of a request (a fault's `firstChunkDelayMs` overrides it). */
  latency?: LatencyProfile;
  /** Audio per character of text. */
  msPerChar?: number;
  /** Bytes per audio chunk (800 = 100 ms). */
  chunkBytes?: number;
  /** Pause between chunks; 0 sends as fast as the socket takes them. */
  chunkIntervalMs?: number;
  faults?: FaultSwitch;
  /** Called as each generation's first audio chunk is written (text in → first chunk out). */
  onFirstChunk?: (o: LatencyObservation) => void;
  /**
   * Wait before the first chunk with precise-wait.ts (ends within a fraction of a ms after the intended time) instead
   * of `setTimeout` (up to ~1 ms late), counted from the text's arrival so the synthesis is inside it: for the load
   * run, whose verdict subtracts the intended wait. Pacing between chunks (`chunkIntervalMs`) keeps plain timers.
   */
  preciseLatency?: boolean;
}

export type SimOutcome = 'open' | 'completed' | 'client_closed' | 'dropped' | 'refused' | 'rejected' | 'server_closed';

export interface ElevenLabsSimRequest {
  id: number;
  transport: 'http' | 'ws';
  voiceId: string;
  /** The `xi-api-key` header as received. */
  apiKey?: string;
  modelId?: string;
  outputFormat?: string;
  optimizeStreamingLatency?: number;
  inactivityTimeoutS?: number;
  /** All text received (HTTP: the body's `text`; WebSocket: the Text messages concatenated). */
  text: string;
  /** WebSocket only: every client message, parsed. */
  messages: Record<string, unknown>[];
  /** WebSocket only: the `sec-websocket-extensions` the client offered (a permessage-deflate offer shows here). */
  extensionsOffered?: string;
  flushes: number;
  /** HTTP status answered (101 for an accepted WebSocket). */
  status: number;
  chunksSent: number;
  bytesSent: number;
  outcome: SimOutcome;
}

export interface ElevenLabsSim {
  baseUrl: string;
  faults: FaultSwitch;
  requests: ElevenLabsSimRequest[];
  /** Requests ever made, by transport (`requests` may be trimmed by a long run; these never are). */
  counts: { http: number; ws: number; wsWithText: number };
  /** Resolves once the request is no longer `open` (finished, closed by the client, dropped …). */
  settled(request: ElevenLabsSimRequest): Promise<SimOutcome>;
  close(): Promise<void>;
}

const STREAM_PATH = /^\/v1\/text-to-speech\/([^/]+)\/stream\/?$/;
const STREAM_INPUT_PATH = /^\/v1\/text-to-speech\/([^/]+)\/stream-input\/?$/;
const DEFAULT_SCHEDULE = [120, 160, 250, 290];

const errorBody = (status: number, code: string, message: string) => JSON.stringify({ detail: { status: code, message } });
const faultBody = (status: number) =>
  status === 429
    ? errorBody(status, 'too_many_concurrent_requests', 'Too many concurrent requests for your subscription.')
    : status === 401
      ? errorBody(status, 'invalid_api_key', 'Invalid API key')
      : errorBody(status, 'internal_server_error', `Simulated failure ${status}`);
const formatError = (got: string | null) =>
  JSON.stringify({
    detail: [{ type: 'enum', loc: ['query', 'output_format'], msg: `this simulator only speaks ulaw_8000, got ${got}`, input: got }],
  });

export async function startElevenLabsSim(opts: ElevenLabsSimOptions = {}): Promise<ElevenLabsSim> {
  const faults = opts.faults ?? new FaultSwitch();
  const msPerChar = opts.msPerChar ?? 60;
  const bytesPerChunk = opts.chunkBytes ?? 800;
  const intervalMs = opts.chunkIntervalMs ?? 0;
  const firstChunkWait = opts.preciseLatency ? preciseWait : sleep;
  const requests: ElevenLabsSimRequest[] = [];
  const counts = { http: 0, ws: 0, wsWithText: 0 };
  const waiters = new Map<number, ((o: SimOutcome) => void)[]>();
  const closing = new AbortController();
  // Every open request links to it: under load that is hundreds of listeners, by design, not a leak.
  setMaxListeners(0, closing.signal);
  const sockets = new Set<Socket>();

  const record = (transport: 'http' | 'ws', voiceId: string, url: URL, apiKey: string | undefined) => {
    const req: ElevenLabsSimRequest = {
      id: requests.length,
      transport,
      voiceId: decodeURIComponent(voiceId),
      apiKey,
      modelId: url.searchParams.get('model_id') ?? undefined,
      outputFormat: url.searchParams.get('output_format') ?? undefined,
      optimizeStreamingLatency: numberParam(url, 'optimize_streaming_latency'),
      inactivityTimeoutS: numberParam(url, 'inactivity_timeout'),
      text: '',
      messages: [],
      flushes: 0,
      status: 0,
      chunksSent: 0,
      bytesSent: 0,
      outcome: 'open',
    };
    requests.push(req);
    counts[transport]++;
    return req;
  };
  const settle = (req: ElevenLabsSimRequest, outcome: SimOutcome) => {
    if (req.outcome !== 'open') return;
    req.outcome = outcome;
    for (const w of waiters.get(req.id) ?? []) w(outcome);
    waiters.delete(req.id);
  };

  /**
   * Sends `audio` in chunks, applying the fault; false when the request ended (drop/stall/close). `prepare` encodes a
   * chunk and returns what sends it: the first is encoded before the first-chunk wait, so that encoding is inside the
   * intended latency rather than added to it.
   */
  const sendAudio = async (
    req: ElevenLabsSimRequest,
    fault: Fault,
    audio: Uint8Array,
    prepare: (chunk: Uint8Array, index: number) => () => void,
    drop: () => void,
    signal: AbortSignal,
    text: string,
    startedAtMs = performance.now(),
  ): Promise<boolean> => {
    let intendedMs: number | undefined;
    for (const [index, chunk] of chunkBytes(audio, bytesPerChunk).entries()) {
      if (signal.aborted) return false;
      const send = prepare(chunk, index);
      if (req.chunksSent === 0) {
        intendedMs = fault.firstChunkDelayMs ?? drawLatencyMs(opts.latency);
        // Precise: the wait is counted from the text's arrival, so the synthesis above is inside it, as a real
        // service's time to first byte includes its own work.
        const waitMs = opts.preciseLatency ? Math.max(0, intendedMs - (performance.now() - startedAtMs)) : intendedMs;
        await firstChunkWait(waitMs, signal).catch(() => {});
      } else if (intervalMs > 0) {
        if (index === 0) intendedMs = intervalMs;
        await sleep(intervalMs, signal).catch(() => {});
      }
      if (signal.aborted) return false;
      if (fault.dropAfterChunks !== undefined && req.chunksSent >= fault.dropAfterChunks) {
        settle(req, 'dropped');
        drop();
        return false;
      }
      // Stall: keep the connection open and say nothing more until the client gives up.
      if (fault.stallAfterChunks !== undefined && req.chunksSent >= fault.stallAfterChunks) return false;
      send();
      if (index === 0 && opts.onFirstChunk) opts.onFirstChunk({ text, intendedMs: intendedMs ?? 0, actualMs: performance.now() - startedAtMs });
      req.chunksSent++;
      req.bytesSent += chunk.byteLength;
    }
    return true;
  };

  const server = http.createServer((httpReq, res) => {
    void handleHttp(httpReq, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const handleHttp = async (httpReq: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(httpReq.url ?? '/', 'http://sim');
    const match = STREAM_PATH.exec(url.pathname);
    if (httpReq.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody(404, 'not_found', 'Not found'));
      return;
    }
    const req = record('http', match[1] ?? '', url, header(httpReq, 'xi-api-key'));
    const fault = faults.take();
    if (fault.refuseConnection) {
      settle(req, 'refused');
      httpReq.socket.destroy();
      return;
    }
    const body = await readJson(httpReq);
    req.modelId = typeof body?.model_id === 'string' ? body.model_id : req.modelId;
    req.text = typeof body?.text === 'string' ? body.text : '';
    const reject = (status: number, text: string) => {
      req.status = status;
      settle(req, 'rejected');
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    };
    if (opts.apiKey !== undefined && req.apiKey !== opts.apiKey) return reject(401, faultBody(401));
    if (req.outputFormat !== 'ulaw_8000') return reject(422, formatError(url.searchParams.get('output_format')));
    if (!req.text.trim()) return reject(422, errorBody(422, 'invalid_text', 'text must not be empty'));
    if (fault.status !== undefined) return reject(fault.status, faultBody(fault.status));

    const ended = new AbortController();
    const unlink = linkAbort(closing.signal, ended);
    res.once('close', () => {
      if (!res.writableFinished) settle(req, 'client_closed');
      ended.abort();
      unlink();
    });
    req.status = 200;
    res.writeHead(200, { 'content-type': 'audio/basic', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const audio = pseudoSpeechMulaw(req.text, { msPerChar });
    const finished = await sendAudio(req, fault, audio, (c) => () => res.write(c), () => res.destroy(), ended.signal, req.text);
    if (finished) {
      settle(req, 'completed');
      res.end();
    }
  };

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (httpReq: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(httpReq.url ?? '/', 'http://sim');
    const match = STREAM_INPUT_PATH.exec(url.pathname);
    const refuse = (status: number, text: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    if (!match) return refuse(404, errorBody(404, 'not_found', 'Not found'));
    const req = record('ws', match[1] ?? '', url, header(httpReq, 'xi-api-key'));
    req.extensionsOffered = header(httpReq, 'sec-websocket-extensions');
    const fault = faults.take();
    const reject = (status: number, text: string) => {
      req.status = status;
      settle(req, 'rejected');
      refuse(status, text);
    };
    if (fault.refuseConnection) {
      settle(req, 'refused');
      return socket.destroy();
    }
    if (opts.apiKey !== undefined && req.apiKey !== opts.apiKey) return reject(401, faultBody(401));
    if (req.outputFormat !== 'ulaw_8000') return reject(422, formatError(url.searchParams.get('output_format')));
    if (fault.status !== undefined) return reject(fault.status, faultBody(fault.status));
    wss.handleUpgrade(httpReq, socket, head, (ws) => {
      req.status = 101;
      runStreamInput(ws, req, fault);
    });
  });

  const runStreamInput = (ws: WebSocket, req: ElevenLabsSimRequest, fault: Fault) => {
    const ended = new AbortController();
    const unlink = linkAbort(closing.signal, ended);
    let schedule = DEFAULT_SCHEDULE;
    let generations = 0;
    let buffer = '';
    let chain: Promise<boolean> = Promise.resolve(true);
    let inactivity: NodeJS.Timeout | undefined;
    const resetInactivity = () => {
      clearTimeout(inactivity);
      inactivity = setTimeout(() => ws.close(1008, 'Input timeout exceeded'), (req.inactivityTimeoutS ?? 20) * 1000);
    };
    const generate = (text: string) => {
      const receivedAtMs = performance.now();
      chain = chain.then(async (alive) => {
        if (!alive || !text.trim()) return alive;
        generations++;
        const audio = pseudoSpeechMulaw(text, { msPerChar });
        const chunkMs = (bytesPerChunk / 8000) * 1000;
        return sendAudio(
          req,
          fault,
          audio,
          (chunk, index) => {
            const alignment = alignmentFor(text, index * chunkMs, chunkMs, msPerChar);
            const message = JSON.stringify({ audio: Buffer.from(chunk).toString('base64'), alignment, normalizedAlignment: alignment });
            return () => ws.send(message);
          },
          () => ws.terminate(),
          ended.signal,
          text,
          receivedAtMs,
        );
      });
    };
    resetInactivity();
    ws.on('message', (data: RawData) => {
      resetInactivity();
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        ws.close(1003, 'Invalid JSON');
        return;
      }
      req.messages.push(msg);
      const text = typeof msg.text === 'string' ? msg.text : '';
      if (req.messages.length === 1) {
        const config = msg.generation_config as { chunk_length_schedule?: unknown } | undefined;
        if (Array.isArray(config?.chunk_length_schedule)) schedule = config.chunk_length_schedule.map(Number);
        return;
      }
      if (text === '') {
        generate(buffer);
        buffer = '';
        chain.then((alive) => {
          if (!alive || ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify({ isFinal: true }));
          settle(req, 'completed');
          ws.close(1000);
        }).catch(() => ws.terminate());
        return;
      }
      if (!req.text) counts.wsWithText++;
      req.text += text;
      buffer += text;
      if (msg.flush === true) {
        req.flushes++;
        generate(buffer);
        buffer = '';
        return;
      }
      // Like ElevenLabs: once enough characters are buffered, generate up to the last whole word.
      const threshold = schedule[Math.min(generations, schedule.length - 1)] ?? 120;
      const cut = buffer.lastIndexOf(' ');
      if (buffer.length >= threshold && cut > 0) {
        generate(buffer.slice(0, cut + 1));
        buffer = buffer.slice(cut + 1);
      }
    });
    ws.on('close', () => {
      clearTimeout(inactivity);
      settle(req, closing.signal.aborted ? 'server_closed' : 'client_closed');
      ended.abort();
      unlink();
    });
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    faults,
    requests,
    counts,
    settled: (request) =>
      request.outcome !== 'open'
        ? Promise.resolve(request.outcome)
        : new Promise((resolve) => waiters.set(request.id, [...(waiters.get(request.id) ?? []), resolve])),
    close: async () => {
      closing.abort();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Characters of `text` that start inside [chunkStartMs, +chunkMs), with times relative to the chunk start. */
function alignmentFor(text: string, chunkStartMs: number, chunkMs: number, msPerChar: number) {
  const chars: string[] = [];
  const charStartTimesMs: number[] = [];
  const charDurationsMs: number[] = [];
  const first = Math.ceil(chunkStartMs / msPerChar);
  for (let i = first; i < text.length && i * msPerChar < chunkStartMs + chunkMs; i++) {
    chars.push(text[i] ?? '');
    charStartTimesMs.push(Math.round(i * msPerChar - chunkStartMs));
    charDurationsMs.push(msPerChar);
  }
  return { chars, charStartTimesMs, charDurationsMs };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function numberParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  return v === null ? undefined : Number(v);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Aborts `target` when `source` aborts; returns the unlink function. */
function linkAbort(source: AbortSignal, target: AbortController): () => void {
  const onAbort = () => target.abort();
  if (source.aborted) target.abort();
  else source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}
