/**
 * A Deepgram live-transcription (`/v1/listen`) simulator that the real adapter connects to. It does no speech
 * recognition: it decodes the audio, finds speech segments by frame energy, and gives the n-th segment of a call the
 * n-th line of the candidate script registered for that call (see candidate-script.ts). Time is the amount of audio
 * received, as on the real service, so results do not depend on how fast the client sends.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MULAW_DECODE_TABLE } from '../audio/mulaw.js';
import { scriptFor } from './candidate-script.js';
import { FaultSwitch, drawLatencyMs, type Fault, type LatencyObservation, type LatencyProfile } from './faults.js';
import { preciseTimer } from './precise-wait.js';

export interface DeepgramSimOptions {
  /** Expected API key (`Authorization: Token <key>`); a different key gets 401 on upgrade. Unset: any key. */
  apiKey?: string;
  /** Delay before each final result (and what follows it, so order is kept). */
  latency?: LatencyProfile;
  /** Frame RMS (PCM16 scale) above which a 20 ms frame counts as speech. */
  speechRms?: number;
  /** Speech needed to confirm an onset. */
  minSpeechMs?: number;
  /** Stream time between interim results while speaking. */
  interimIntervalMs?: number;
  /** Speaking time per word, used to grow interim prefixes. */
  wordMs?: number;
  /** Close 1011 (NET-0001) after this much wall time with no message, like Deepgram's 10 s. 0 disables. */
  idleTimeoutMs?: number;
  faults?: FaultSwitch;
  /** Called as each endpointed final with words is sent (endpoint reached → final out). */
  onFinal?: (o: LatencyObservation) => void;
  /**
   * Hold delayed messages (the `latency` wait before a final, and what queues behind it) to `performance.now()` due
   * times with precise-wait.ts's timer, not `setTimeout` on `Date.now()` due times (up to ~1 ms late plus up to 1 ms
   * of rounding): for the load run, whose verdict subtracts the intended wait. Off: plain timers, as before.
   */
  preciseLatency?: boolean;
}

export interface SimConnectionStats {
  id: number;
  callId?: string;
  /** Query parameters (last value wins); `search` keeps repeated ones such as `keyterm`. */
  query: Record<string, string>;
  search: string;
  open: boolean;
  closeCode?: number;
  audioMessages: number;
  receivedAudioMs: number;
  keepAlives: number;
  finalizes: number;
  closeStreams: number;
  /** Transcripts of the final results sent. */
  finals: string[];
}

export interface DeepgramSim {
  /** `ws://127.0.0.1:port` — the base the adapter appends `/v1/listen` to. */
  url: string;
  faults: FaultSwitch;
  /** Sockets open now. */
  connections(): number;
  /** Upgrade requests seen, including refused and rejected ones. */
  upgradeAttempts(): number;
  /** Every accepted connection so far, oldest first. */
  stats(): SimConnectionStats[];
  /** Drop every open socket abruptly (no close frame), as a network failure would. */
  dropAll(): void;
  close(): Promise<void>;
}

/** Stream ms of silence between the empty results the simulator sends for it. */
const SILENCE_RESULT_MS = 1500;
const FRAME_MS = 20;
const MODEL = { name: 'general-nova-3', version: '2024-12-20.0', arch: 'nova-3' };
const MODEL_UUID = '40bd3654-e622-47c4-a111-63a61b23bfe4';

interface Segment {
  startMs: number;
  lastSpeechEndMs: number;
  /** Script line text; undefined → a placeholder naming the segment's length. */
  text: string | undefined;
  lastInterimMs: number;
  /** A Finalize already flushed this segment's words; continued speech adds none. */
  flushed: boolean;
}

class SimSession {
  readonly stats: SimConnectionStats;
  private readonly sampleRateHz: number;
  private readonly mulaw: boolean;
  private readonly interim: boolean;
  private readonly vadEvents: boolean;
  private readonly endpointingMs: number | undefined;
  private readonly utteranceEndMs: number | undefined;
  private readonly formatted: boolean;
  private readonly requestId = randomUUID();
  private readonly extra: Record<string, string>;
  private readonly frameSamples: number;
  private samples = 0;
  private frameSamplesSeen = 0;
  private frameSumSquares = 0;
  private oddByte: number | undefined;
  private onsetFrames = 0;
  private onsetStartMs = 0;
  private seg: Segment | undefined;
  private utteranceEndAfterMs: number | undefined;
  private sendDueAt = 0;
  private firstChunkDelayMs = 0;
  private stalled = false;
  /** Stream time of the last empty result sent for silence (Deepgram answers silent audio too). */
  private lastSilenceResultMs = 0;
  private outbox: { dueAt: number; fn: () => void }[] = [];
  /** Cancels the armed outbox timer; set while one is armed. */
  private cancelOutbox: (() => void) | undefined;
  /** The outbox's clock: `performance.now()` with `preciseLatency` (no ms rounding), else `Date.now()`. */
  private readonly clockMs: () => number;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    id: number,
    private readonly ws: WebSocket,
    query: URLSearchParams,
    private readonly fault: Fault,
    private readonly opts: Required<Omit<DeepgramSimOptions, 'apiKey' | 'latency' | 'faults' | 'onFinal' | 'preciseLatency'>> & DeepgramSimOptions,
    private readonly nextLine: (callId: string | undefined) => string | undefined,
  ) {
    this.clockMs = opts.preciseLatency ? () => performance.now() : () => Date.now();
    this.extra = Object.fromEntries(query.getAll('extra').map((kv) => splitOnce(kv, ':')));
    const callId = this.extra.call_id ?? query.get('tag') ?? undefined;
    this.stats = {
      id,
      callId,
      query: Object.fromEntries(query.entries()),
      search: query.toString(),
      open: true,
      audioMessages: 0,
      receivedAudioMs: 0,
      keepAlives: 0,
      finalizes: 0,
      closeStreams: 0,
      finals: [],
    };
    this.sampleRateHz = Number(query.get('sample_rate') ?? 16000) || 16000;
    this.mulaw = query.get('encoding') === 'mulaw';
    this.interim = query.get('interim_results') === 'true';
    this.vadEvents = query.get('vad_events') === 'true';
    const endpointing = query.get('endpointing');
    this.endpointingMs = endpointing === 'false' ? undefined : Number(endpointing ?? 10) || 10;
    const utteranceEnd = query.get('utterance_end_ms');
    this.utteranceEndMs = utteranceEnd ? Number(utteranceEnd) : undefined;
    this.formatted = query.get('smart_format') === 'true' || query.get('punctuate') === 'true';
    this.frameSamples = Math.round((this.sampleRateHz * FRAME_MS) / 1000);

    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code) => this.onClosed(code));
    ws.on('error', () => undefined);
    if (opts.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => this.closeSocket(1011, 'NET-0001'), opts.idleTimeoutMs);
    }
    this.send(this.metadata(), 0);
    this.firstChunkDelayMs = fault.firstChunkDelayMs ?? 0;
  }

  drop(): void {
    this.ws.terminate();
  }

  private get nowMs(): number {
    return (this.samples * 1000) / this.sampleRateHz;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // Frames already buffered when we dropped or closed the socket still arrive: a real server would not see them.
    if (this.stalled || this.ws.readyState !== this.ws.OPEN) return;
    this.idleTimer?.refresh();
    if (!isBinary) return this.onControl(rawToBuffer(data).toString('utf8'));
    this.stats.audioMessages++;
    this.onAudio(rawToBuffer(data));
    this.stats.receivedAudioMs = this.nowMs;
    const n = this.stats.audioMessages;
    if (this.fault.dropAfterChunks !== undefined && n >= this.fault.dropAfterChunks) this.drop();
    else if (this.fault.stallAfterChunks !== undefined && n >= this.fault.stallAfterChunks) this.stalled = true;
  }

  private onControl(text: string): void {
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      return this.closeSocket(1008, 'DATA-0000');
    }
    if (type === 'KeepAlive') this.stats.keepAlives++;
    else if (type === 'Finalize') {
      this.stats.finalizes++;
      this.flush('finalize');
    } else if (type === 'CloseStream') {
      this.stats.closeStreams++;
      this.flush('close');
      this.send(this.metadata(), 0);
      this.schedule(() => this.closeSocket(1000, ''), 0);
    }
  }

  private onAudio(buf: Buffer): void {
    if (this.mulaw) {
      for (let i = 0; i < buf.length; i++) this.addSample(MULAW_DECODE_TABLE[buf[i]!]!);
      return;
    }
    let i = 0;
    if (this.oddByte !== undefined && buf.length > 0) {
      this.addSample(((this.oddByte | (buf[0]! << 8)) << 16) >> 16);
      this.oddByte = undefined;
      i = 1;
    }
    for (; i + 1 < buf.length; i += 2) this.addSample(buf.readInt16LE(i));
    if (i < buf.length) this.oddByte = buf[i];
  }

  private addSample(sample: number): void {
    this.samples++;
    this.frameSumSquares += sample * sample;
    if (++this.frameSamplesSeen < this.frameSamples) return;
    const rms = Math.sqrt(this.frameSumSquares / this.frameSamplesSeen);
    this.frameSamplesSeen = 0;
    this.frameSumSquares = 0;
    this.onFrame(rms >= this.opts.speechRms);
  }

  private onFrame(speech: boolean): void {
    const endMs = this.nowMs;
    if (speech) {
      this.utteranceEndAfterMs = undefined;
      if (this.seg) this.seg.lastSpeechEndMs = endMs;
      else if (++this.onsetFrames === 1) this.onsetStartMs = endMs - FRAME_MS;
      if (!this.seg && this.onsetFrames * FRAME_MS >= this.opts.minSpeechMs) this.startSegment(endMs);
    } else {
      this.onsetFrames = 0;
      if (!this.seg && this.interim && endMs - this.lastSilenceResultMs >= SILENCE_RESULT_MS) {
        // Like Deepgram: silent audio still gets (empty, final) results, so a client can tell a live socket from a stalled one.
        this.send({ type: 'Results', channel_index: [0, 1], duration: sec(endMs - this.lastSilenceResultMs), start: sec(this.lastSilenceResultMs), is_final: true, speech_final: false, channel: { alternatives: [{ transcript: '', confidence: 0, words: [] }] } }, 0);
        this.lastSilenceResultMs = endMs;
      }
      const seg = this.seg;
      if (seg && this.endpointingMs !== undefined && endMs - seg.lastSpeechEndMs >= this.endpointingMs) {
        this.endSegment('endpoint');
      }
      const ueAt = this.utteranceEndAfterMs;
      if (ueAt !== undefined && this.utteranceEndMs !== undefined && endMs - ueAt >= this.utteranceEndMs) {
        this.utteranceEndAfterMs = undefined;
        this.send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: sec(ueAt) }, 0);
      }
    }
    const seg = this.seg;
    if (seg && this.interim && !seg.flushed && endMs - seg.lastInterimMs >= this.opts.interimIntervalMs) {
      seg.lastInterimMs = endMs;
      const all = this.tokens(seg);
      const spokenWords = Math.ceil((seg.lastSpeechEndMs - seg.startMs) / this.opts.wordMs);
      const count = Math.min(all.length, Math.max(1, spokenWords));
      this.send(this.results(seg, all.slice(0, count), { is_final: false, speech_final: false }), 0);
    }
  }

  private startSegment(endMs: number): void {
    this.lastSilenceResultMs = endMs;
    this.seg = {
      startMs: this.onsetStartMs,
      lastSpeechEndMs: endMs,
      text: this.nextLine(this.stats.callId),
      lastInterimMs: this.onsetStartMs,
      flushed: false,
    };
    this.onsetFrames = 0;
    if (this.vadEvents) this.send({ type: 'SpeechStarted', channel: [0], timestamp: sec(this.onsetStartMs) }, 0);
  }

  /** Flush a segment: endpointing silence, a Finalize, or CloseStream. */
  private endSegment(reason: 'endpoint' | 'finalize' | 'close'): void {
    const seg = this.seg;
    if (!seg) return;
    const tokens = seg.flushed ? [] : this.tokens(seg);
    const final = { is_final: true, speech_final: reason === 'endpoint', from_finalize: reason === 'finalize' };
    const msg = this.results(seg, tokens, final);
    const intendedMs = drawLatencyMs(this.opts.latency);
    const observe = this.opts.onFinal;
    if (observe && reason === 'endpoint' && tokens.length > 0) {
      const startedAtMs = performance.now();
      const text = tokens.join(' ');
      this.send(msg, intendedMs, () => observe({ text, intendedMs, actualMs: performance.now() - startedAtMs }));
    } else this.send(msg, intendedMs);
    if ((tokens.length > 0 || seg.flushed) && this.interim) this.utteranceEndAfterMs = seg.lastSpeechEndMs;
    if (reason === 'finalize' && this.nowMs - seg.lastSpeechEndMs < FRAME_MS * 2) seg.flushed = true;
    else this.seg = undefined;
  }

  private flush(reason: 'finalize' | 'close'): void {
    if (this.seg && !(reason === 'finalize' && this.seg.flushed)) return this.endSegment(reason);
    // Nothing heard since the last flush: Deepgram still answers a Finalize with an empty final.
    if (reason === 'finalize') {
      const now = this.nowMs;
      const empty: Segment = { startMs: now, lastSpeechEndMs: now, text: '', lastInterimMs: 0, flushed: true };
      this.send(this.results(empty, [], { is_final: true, speech_final: false, from_finalize: true }), 0);
    }
  }

  private tokens(seg: Segment): string[] {
    const text = seg.text ?? `[simulated speech ${((seg.lastSpeechEndMs - seg.startMs) / 1000).toFixed(1)}s]`;
    return text.split(/\s+/).filter(Boolean);
  }

  private results(seg: Segment, tokens: string[], flags: Record<string, boolean>): Record<string, unknown> {
    const placeholder = seg.text === undefined;
    const words = timeWords(tokens, seg.startMs, seg.lastSpeechEndMs, placeholder);
    const transcript = this.formatted || placeholder ? tokens.join(' ') : words.map((w) => w.word).join(' ');
    const confidence = words.length ? words.reduce((a, w) => a + w.confidence, 0) / words.length : 0;
    if (flags.is_final) this.stats.finals.push(transcript);
    const metadata: Record<string, unknown> = { request_id: this.requestId, model_info: MODEL, model_uuid: MODEL_UUID };
    if (Object.keys(this.extra).length) metadata.extra = this.extra;
    return {
      type: 'Results',
      channel_index: [0, 1],
      duration: sec(Math.max(0, this.nowMs - seg.startMs)),
      start: sec(seg.startMs),
      ...flags,
      channel: { alternatives: [{ transcript, confidence: round3(confidence), words }] },
      metadata,
    };
  }

  private metadata(): Record<string, unknown> {
    return {
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: this.requestId,
      sha256: '',
      created: new Date().toISOString(),
      duration: sec(this.nowMs),
      channels: 1,
      models: [MODEL_UUID],
      model_info: { [MODEL_UUID]: MODEL },
    };
  }

  /** Sends in order; a message with latency holds back everything after it. */
  private send(msg: Record<string, unknown>, delayMs: number, onSent?: () => void): void {
    const text = JSON.stringify(msg);
    this.schedule(() => {
      if (this.ws.readyState !== this.ws.OPEN) return;
      this.ws.send(text);
      onSent?.();
    }, delayMs);
  }

  private schedule(fn: () => void, delayMs: number): void {
    const now = this.clockMs();
    if (this.firstChunkDelayMs > 0) {
      delayMs += this.firstChunkDelayMs;
      this.firstChunkDelayMs = 0;
    }
    const dueAt = Math.max(now + delayMs, this.sendDueAt);
    this.sendDueAt = dueAt;
    if (this.outbox.length === 0 && dueAt <= now) return fn();
    // One FIFO and one timer: separate timers with equal due times may fire out of order.
    this.outbox.push({ dueAt, fn });
    if (!this.cancelOutbox) this.armOutbox();
  }

  private armOutbox(): void {
    const head = this.outbox[0];
    if (!head) return;
    const drain = () => {
      this.cancelOutbox = undefined;
      const now = this.clockMs();
      while (this.outbox.length > 0 && this.outbox[0]!.dueAt <= now) this.outbox.shift()!.fn();
      this.armOutbox();
    };
    if (this.opts.preciseLatency) {
      this.cancelOutbox = preciseTimer(head.dueAt, drain);
      return;
    }
    const timer = setTimeout(drain, Math.max(0, head.dueAt - Date.now()));
    this.cancelOutbox = () => clearTimeout(timer);
  }

  private closeSocket(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
  }

  private onClosed(code: number): void {
    this.stats.open = false;
    this.stats.closeCode = code;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // Left set, as before: nothing is armed again for a closed socket (what is scheduled later is never sent).
    this.cancelOutbox?.();
    this.outbox = [];
  }
}

/** Spreads words over the segment by length; `verbatim` keeps tokens as they are (the placeholder). */
function timeWords(tokens: string[], startMs: number, endMs: number, verbatim: boolean) {
  const weights = tokens.map((t) => t.length + 2);
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const span = Math.max(endMs - startMs, tokens.length * 60);
  let at = startMs;
  return tokens.map((token, i) => {
    const share = (span * weights[i]!) / total;
    const word = verbatim ? token : token.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, '') || token.toLowerCase();
    const confidence = 0.99 - (i % 4) * 0.02;
    const timed = { word, punctuated_word: token, start: sec(at), end: sec(at + share * 0.85), confidence };
    at += share;
    return timed;
  });
}

const sec = (ms: number) => round3(ms / 1000);
const round3 = (n: number) => Math.round(n * 1000) / 1000;

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function rejectUpgrade(socket: Duplex, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `dg-error: ${String(body.err_msg)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

export async function startDeepgramSim(options: DeepgramSimOptions = {}): Promise<DeepgramSim> {
  const opts = {
    ...options,
    speechRms: options.speechRms ?? 600,
    minSpeechMs: options.minSpeechMs ?? 60,
    interimIntervalMs: options.interimIntervalMs ?? 400,
    wordMs: options.wordMs ?? 350,
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
  };
  const faults = options.faults ?? new FaultSwitch();
  const sessions: SimSession[] = [];
  const open = new Set<SimSession>();
  const lineCursor = new Map<string, number>();
  let attempts = 0;

  const nextLine = (callId: string | undefined): string | undefined => {
    const script = callId ? scriptFor(callId) : undefined;
    if (!callId || !script) return undefined;
    const i = lineCursor.get(callId) ?? 0;
    lineCursor.set(callId, i + 1);
    return script.lines[i]?.text;
  };

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    attempts++;
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fault = faults.take();
    if (fault.refuseConnection) return void socket.destroy();
    if (url.pathname !== '/v1/listen') {
      return rejectUpgrade(socket, 404, { err_code: 'NOT_FOUND', err_msg: 'Not found' });
    }
    const auth = req.headers.authorization ?? '';
    const key = /^token\s+(.+)$/i.exec(auth)?.[1];
    if (!key || (options.apiKey !== undefined && key !== options.apiKey)) {
      return rejectUpgrade(socket, 401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' });
    }
    if (fault.status) return rejectUpgrade(socket, fault.status, { err_code: 'SIM_FAULT', err_msg: 'Injected fault' });
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new SimSession(sessions.length + 1, ws, url.searchParams, fault, opts, nextLine);
      sessions.push(session);
      open.add(session);
      ws.on('close', () => open.delete(session));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}`,
    faults,
    connections: () => open.size,
    upgradeAttempts: () => attempts,
    stats: () => sessions.map((s) => ({ ...s.stats, finals: [...s.stats.finals] })),
    dropAll: () => [...open].forEach((s) => s.drop()),
    close: async () => {
      for (const s of open) s.drop();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
