/**
 * The ElevenLabs stream-input WebSocket (the SDK ships only its message types): text pieces go in as the LLM writes
 * them, audio comes back as base64 `ulaw_8000`. Wire shapes: Init `{text:" ", generation_config?}`, Text
 * `{text, try_trigger_generation?, flush?}`, Close `{text:""}`; replies `{audio, alignment?}` and `{isFinal:true}`.
 *
 * Deadlines: the first-byte timer starts at the first flush (or Close), when audio is certainly owed; the stall timer
 * runs only after Close, because before it a quiet socket may just be waiting for more text.
 */
import WebSocket from 'ws';
import type { RawData } from 'ws';
import { AbortedError, raceAbort } from '../../lib/abort.js';
import { ProviderError } from '../errors.js';
import type { SynthesisOptions } from '../tts.js';
import type { ResolvedElevenLabsConfig } from './config.js';
import { ELEVENLABS_OUTPUT_FORMAT, wsBaseFor } from './config.js';
import { PROVIDER, connectionError, detailMessage, errorForClose, errorForStatus } from './errors.js';

/** A piece ending a sentence (., ?, ! before optional closing quotes/brackets) or a line asks for a flush. */
export function endsSentence(piece: string): boolean {
  return /[.?!]["'”’)\]]*\s*$/.test(piece) || /\n\s*$/.test(piece);
}

export function streamInputUrl(config: ResolvedElevenLabsConfig, voiceId: string): string {
  const url = new URL(`${wsBaseFor(config.baseUrl)}/v1/text-to-speech/${encodeURIComponent(voiceId)}/stream-input`);
  url.searchParams.set('model_id', config.modelId);
  url.searchParams.set('output_format', ELEVENLABS_OUTPUT_FORMAT);
  url.searchParams.set('inactivity_timeout', String(config.inactivityTimeoutS));
  return url.toString();
}

/** `socket`: one opened ahead for this voice (warm-sockets.ts), open or still opening; owned from here on. */
export async function* streamInput(
  config: ResolvedElevenLabsConfig,
  pieces: AsyncIterable<string>,
  opts: SynthesisOptions = {},
  socket?: WebSocket,
): AsyncGenerator<Uint8Array> {
  const callerSignal = opts.signal;
  if (callerSignal?.aborted) {
    // A socket still opening reports its abort as 'error': keep it from reaching the process.
    socket?.on('error', () => undefined);
    socket?.terminate();
    return;
  }

  const ws =
    socket ??
    new WebSocket(streamInputUrl(config, opts.voiceId ?? config.voiceId), {
      headers: { 'xi-api-key': config.apiKey },
      handshakeTimeout: config.firstByteTimeoutMs,
      // Base64 audio barely compresses, and ws runs every deflate and inflate of the process through one queue of
      // ten: each socket would carry zlib state and each chunk a trip to the thread pool.
      perMessageDeflate: false,
    });
  // Stops the text pump when we are done for any reason (abort, failure, consumer stopped early).
  const stop = new AbortController();
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failure: unknown;
  let serverError: ProviderError | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: unknown) => {
    if (failure === undefined && !ended) failure = err;
    stop.abort();
    clearTimeout(timer);
    notify();
  };

  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number, what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(new ProviderError(PROVIDER, 'timeout', what)), ms);
  };
  const armFirstByte = () => {
    if (!gotAudio && !firstByteArmed) {
      firstByteArmed = true;
      arm(config.firstByteTimeoutMs, `no audio within ${config.firstByteTimeoutMs} ms`);
    }
  };
  let gotAudio = false;
  let firstByteArmed = false;
  let closeSent = false;
  let firstTextAt: number | undefined;
  let sentText = false;

  const onCallerAbort = () => {
    stop.abort();
    notify();
  };
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  ws.on('unexpected-response', (_req, res) => {
    // Handshake refused (401 bad key, 429, 5xx …): read the small error body for the message, then give up.
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      if (body.length < 4096) body += d;
    });
    const done = () => {
      fail(errorForStatus(res.statusCode ?? 0, body));
      ws.terminate();
    };
    res.once('end', done);
    res.once('error', done);
  });
  ws.on('error', (err) => fail(connectionError(err)));
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return;
    let msg: { audio?: string | null; isFinal?: boolean | null; error?: unknown; message?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch (err) {
      fail(new ProviderError(PROVIDER, 'protocol', 'message was not JSON', { cause: err }));
      return;
    }
    if (typeof msg.audio === 'string' && msg.audio.length > 0) {
      const bytes = new Uint8Array(Buffer.from(msg.audio, 'base64'));
      if (!gotAudio) {
        gotAudio = true;
        clearTimeout(timer);
        opts.onFirstByte?.(performance.now() - (firstTextAt ?? performance.now()));
      }
      chunks.push(bytes);
      if (closeSent) arm(config.stallTimeoutMs, `audio stalled for ${config.stallTimeoutMs} ms`);
    }
    if (msg.isFinal === true) {
      ended = true;
      clearTimeout(timer);
    } else if (msg.error !== undefined || (msg.audio === undefined && msg.message !== undefined)) {
      // ElevenLabs reports trouble as `{message, error, code}` just before closing the socket.
      serverError = new ProviderError(PROVIDER, 'bad_request', detailMessage(msg) ?? 'server error message');
    }
    notify();
  });
  ws.on('close', (code: number, reason: Buffer) => {
    clearTimeout(timer);
    if (!ended && !stop.signal.aborted) fail(serverError ?? errorForClose(code, reason.toString()));
    notify();
  });

  const send = (msg: Record<string, unknown>) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };

  const pump = async () => {
    await untilOpen(ws, stop.signal);
    const init: Record<string, unknown> = { text: ' ' };
    if (config.chunkLengthSchedule) init.generation_config = { chunk_length_schedule: config.chunkLengthSchedule };
    send(init);
    const it = pieces[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await raceAbort(it.next(), stop.signal);
        if (next.done) break;
        const piece = next.value;
        if (!piece || !piece.trim()) continue;
        const msg: Record<string, unknown> = { text: piece.endsWith(' ') ? piece : `${piece} ` };
        if (config.tryTriggerGeneration) msg.try_trigger_generation = true;
        const flush = endsSentence(piece);
        if (flush) msg.flush = true;
        firstTextAt ??= performance.now();
        sentText = true;
        send(msg);
        if (flush) armFirstByte();
      }
    } catch (err) {
      // Our own stop: leave the producer be, but ask it to finish (without waiting: it may be mid-`next`).
      if (stop.signal.aborted) {
        it.return?.().catch(() => {});
        return;
      }
      throw err;
    }
    send({ text: '' });
    closeSent = true;
    if (firstTextAt === undefined) {
      // No text at all: nothing is owed, the server answers isFinal (or just closes).
      firstTextAt = performance.now();
    }
    if (gotAudio) arm(config.stallTimeoutMs, `audio stalled for ${config.stallTimeoutMs} ms`);
    else armFirstByte();
  };
  // A failing text source (e.g. the LLM) fails this stream with its own error.
  pump().catch((err) => {
    if (!stop.signal.aborted) fail(err);
  });

  try {
    for (;;) {
      if (callerSignal?.aborted) return;
      const chunk = chunks.shift();
      if (chunk) {
        yield chunk;
        continue;
      }
      if (ended) {
        if (!gotAudio && sentText) throw new ProviderError(PROVIDER, 'protocol', 'final message without any audio');
        return;
      }
      if (failure !== undefined) throw failure;
      if (stop.signal.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
    stop.abort();
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }
}

function untilOpen(ws: WebSocket, signal: AbortSignal): Promise<void> {
  if (ws.readyState === WebSocket.OPEN) return Promise.resolve();
  return raceAbort(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new AbortedError('socket closed before open')));
    }),
    signal,
  );
}

