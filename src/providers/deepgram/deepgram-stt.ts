/** Deepgram live speech-to-text (listen v1 over our own `ws` client, see listen-socket.ts) behind the SpeechToText port. */
import type { Logger } from '../../lib/logger.js';
import type { SpeechToText, SttStream, SttStreamOptions } from '../stt.js';
import { DeepgramSttStream, type ReconnectPolicy } from './deepgram-stream.js';
import { PROVIDER, listenQuery } from './deepgram-wire.js';

export interface DeepgramSttConfig {
  apiKey: string;
  /** DEEPGRAM_URL: ws(s):// (or http(s)://) base of the listen endpoint — EU region, a proxy, or the simulator. */
  url?: string;
  model?: string;
  endpointingMs?: number;
  utteranceEndMs?: number;
  /** Send KeepAlive when no audio has gone out for this long (Deepgram closes after 10 s without data). */
  keepAliveIntervalMs?: number;
  connectTimeoutMs?: number;
  /** How long close() waits for the server to flush and close after CloseStream. */
  closeTimeoutMs?: number;
  /** Audio flowing with no message back for this long: the socket is treated as dropped and reconnected. */
  stallTimeoutMs?: number;
  /** Audio kept while disconnected, replayed after a reconnect (oldest dropped first). */
  replayBufferMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  log?: Logger;
}

export const DEEPGRAM_DEFAULTS = {
  url: 'wss://api.deepgram.com',
  model: 'nova-3',
  endpointingMs: 300,
  utteranceEndMs: 1000,
  keepAliveIntervalMs: 4000,
  connectTimeoutMs: 5000,
  closeTimeoutMs: 2000,
  stallTimeoutMs: 5000,
  replayBufferMs: 30_000,
  reconnect: { maxAttempts: 10, lifetimeBudgetMs: 30_000, baseDelayMs: 250, maxDelayMs: 2000 },
} as const;

export class DeepgramSpeechToText implements SpeechToText {
  readonly name = PROVIDER;
  private readonly baseUrl: string;

  constructor(private readonly cfg: DeepgramSttConfig) {
    if (!cfg.apiKey) throw new Error('DeepgramSpeechToText needs an API key');
    this.baseUrl = listenBase(cfg.url ?? DEEPGRAM_DEFAULTS.url);
  }

  async open(opts: SttStreamOptions): Promise<SttStream> {
    const cfg = this.cfg;
    const model = cfg.model ?? DEEPGRAM_DEFAULTS.model;
    return DeepgramSttStream.open({
      baseUrl: this.baseUrl,
      apiKey: cfg.apiKey,
      query: listenQuery(opts, {
        model,
        endpointingMs: cfg.endpointingMs ?? DEEPGRAM_DEFAULTS.endpointingMs,
        utteranceEndMs: cfg.utteranceEndMs ?? DEEPGRAM_DEFAULTS.utteranceEndMs,
      }),
      bytesPerMs: (opts.sampleRateHz / 1000) * (opts.encoding === 'mulaw' ? 1 : 2),
      keepAliveIntervalMs: cfg.keepAliveIntervalMs ?? DEEPGRAM_DEFAULTS.keepAliveIntervalMs,
      connectTimeoutMs: cfg.connectTimeoutMs ?? DEEPGRAM_DEFAULTS.connectTimeoutMs,
      closeTimeoutMs: cfg.closeTimeoutMs ?? DEEPGRAM_DEFAULTS.closeTimeoutMs,
      stallTimeoutMs: cfg.stallTimeoutMs ?? DEEPGRAM_DEFAULTS.stallTimeoutMs,
      replayBufferMs: cfg.replayBufferMs ?? DEEPGRAM_DEFAULTS.replayBufferMs,
      reconnect: { ...DEEPGRAM_DEFAULTS.reconnect, ...definedOnly(cfg.reconnect) },
      callId: opts.callId,
      log: cfg.log,
      signal: opts.signal,
    });
  }
}

/** The socket appends `/v1/listen` itself, and wants a ws(s) scheme. */
export function listenBase(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new Error(`DEEPGRAM_URL must be ws(s) or http(s): ${url}`);
  }
  const path = u.pathname.replace(/\/+$/, '').replace(/\/v1\/listen$/, '');
  return `${u.protocol}//${u.host}${path}`;
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
