/** Port: streaming speech-to-text for one call. */
import type { ProviderError } from './errors.js';

export interface SttStreamOptions {
  /** Audio we will send: Twilio's native mu-law 8 kHz, or PCM16 little-endian. */
  encoding: 'mulaw' | 'linear16';
  sampleRateHz: 8000 | 16000;
  /** BCP-47, e.g. `en-US`. */
  language: string;
  /** Words the recogniser should favour (technologies from the job description). */
  keyterms?: string[];
  /** Silence (ms) after which the vendor marks `speechFinal`. */
  endpointingMs?: number;
  /** Gap (ms) in words after which the vendor sends `utterance_end`. */
  utteranceEndMs?: number;
  /** Correlation for logs and for simulators that key a script by call. */
  callId?: string;
  signal?: AbortSignal;
}

export interface SttWord {
  word: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

export type SttEvent =
  | {
      type: 'transcript';
      isFinal: boolean;
      /** The vendor's endpointer decided the speaker paused (end of an utterance). */
      speechFinal: boolean;
      /** This final answers a `finalize()` request. */
      fromFinalize: boolean;
      text: string;
      confidence: number;
      words: SttWord[];
      /** Position in the audio stream (ms since the stream opened). */
      startMs: number;
      durationMs: number;
    }
  | { type: 'speech_started'; atMs: number }
  | { type: 'utterance_end'; lastWordEndMs: number }
  /** The connection dropped; audio is buffered while it reconnects. */
  | { type: 'reconnecting'; attempt: number; reason: string }
  | { type: 'reconnected'; replayedMs: number }
  /** Non-fatal trouble worth an event-log line (fatal trouble ends `events()` by throwing). */
  | { type: 'warning'; error: ProviderError };

export interface SttStream {
  /** Audio in the encoding and rate the stream was opened with. Never blocks; buffers while reconnecting. */
  send(audio: Uint8Array): void;
  /** Ask the vendor to flush what it has heard (end of the caller's turn). */
  finalize(): void;
  /** Events until `close()` or abort; throws a ProviderError when the stream fails for good. */
  events(): AsyncIterable<SttEvent>;
  /** Flush, close the socket, end `events()`. Idempotent. */
  close(): Promise<void>;
}

export interface SpeechToText {
  readonly name: string;
  open(opts: SttStreamOptions): Promise<SttStream>;
}
