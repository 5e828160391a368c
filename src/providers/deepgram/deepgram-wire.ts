/**
 * Deepgram listen-v1 wire details: the query we open with, the messages we map to SttEvents, and how failures map
 * to ProviderErrors. Kept apart from the socket lifecycle so each can be read (and tested) alone.
 */
import type { SttEvent, SttStreamOptions, SttWord } from '../stt.js';
import { ProviderError, kindForStatus } from '../errors.js';
import { errorMessage } from '../../lib/errors.js';

export const PROVIDER = 'deepgram';

/** The query parameters of `/v1/listen`, as Deepgram names them (booleans as the strings the API reads). */
export interface ListenQuery {
  model: string;
  encoding: 'mulaw' | 'linear16';
  sample_rate: number;
  channels: number;
  language: string;
  interim_results: 'true';
  vad_events: 'true';
  smart_format: 'true';
  punctuate: 'true';
  endpointing: number;
  utterance_end_ms: number;
  keyterm?: string[];
  extra?: string[];
  tag?: string;
}

export function listenQuery(
  opts: SttStreamOptions,
  cfg: { model: string; endpointingMs: number; utteranceEndMs: number },
): ListenQuery {
  const keyterms = (opts.keyterms ?? []).map((k) => k.trim()).filter(Boolean);
  return {
    model: cfg.model,
    encoding: opts.encoding,
    sample_rate: opts.sampleRateHz,
    channels: 1,
    language: opts.language,
    interim_results: 'true',
    vad_events: 'true',
    smart_format: 'true',
    punctuate: 'true',
    endpointing: opts.endpointingMs ?? cfg.endpointingMs,
    utterance_end_ms: opts.utteranceEndMs ?? cfg.utteranceEndMs,
    // Repeated `keyterm=` params (the SDK serialises arrays that way); keyterm prompting is nova-3 only.
    ...(keyterms.length && cfg.model.startsWith('nova-3') ? { keyterm: keyterms } : {}),
    // `extra` is echoed back in every result's metadata: the simulator finds the candidate script by it.
    ...(opts.callId ? { extra: [`call_id:${opts.callId}`], tag: 'screenline' } : {}),
  };
}

interface WireWord {
  word?: unknown;
  punctuated_word?: unknown;
  start?: unknown;
  end?: unknown;
  confidence?: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const ms = (seconds: unknown): number => Math.round(num(seconds) * 1000);

/**
 * One server message → an SttEvent (or undefined for messages we do not surface, e.g. Metadata and empty interims).
 * `offsetMs` shifts the connection's clock onto the stream's: after a reconnect Deepgram starts again at 0.
 */
export function toSttEvent(msg: unknown, offsetMs: number): SttEvent | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'Results': {
      const channel = m.channel as { alternatives?: unknown[] } | undefined;
      const alt = (channel?.alternatives?.[0] ?? {}) as { transcript?: unknown; confidence?: unknown; words?: unknown };
      const text = typeof alt.transcript === 'string' ? alt.transcript : '';
      const isFinal = m.is_final === true;
      if (!isFinal && text === '') return undefined;
      const words: SttWord[] = (Array.isArray(alt.words) ? (alt.words as WireWord[]) : []).map((w) => ({
        word: typeof w.punctuated_word === 'string' ? w.punctuated_word : String(w.word ?? ''),
        startMs: offsetMs + ms(w.start),
        endMs: offsetMs + ms(w.end),
        confidence: num(w.confidence),
      }));
      return {
        type: 'transcript',
        isFinal,
        speechFinal: m.speech_final === true,
        fromFinalize: m.from_finalize === true,
        text,
        confidence: num(alt.confidence),
        words,
        startMs: offsetMs + ms(m.start),
        durationMs: ms(m.duration),
      };
    }
    case 'SpeechStarted':
      return { type: 'speech_started', atMs: offsetMs + ms(m.timestamp) };
    case 'UtteranceEnd':
      return { type: 'utterance_end', lastWordEndMs: offsetMs + ms(m.last_word_end) };
    default:
      return undefined;
  }
}

/**
 * A failed connect → ProviderError. `ws` surfaces a rejected handshake only as the message
 * "Unexpected server response: 401", so the status is read from there.
 */
export function connectError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = errorMessage(err);
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  if (status) {
    const code = Number(status);
    return new ProviderError(PROVIDER, kindForStatus(code), `handshake rejected with HTTP ${code}`, {
      status: code,
      cause: err,
    });
  }
  if (message === 'Opening handshake has timed out') return new ProviderError(PROVIDER, 'timeout', 'connect timed out', { cause: err });
  return new ProviderError(PROVIDER, 'connection', `connect failed: ${message}`, { cause: err });
}

/** Close codes after which reconnecting cannot help (Deepgram: 1008 = data it could not decode). */
export function isFatalClose(code: number): boolean {
  return code === 1008;
}
