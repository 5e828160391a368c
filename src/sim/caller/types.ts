/** Shapes shared by the caller simulator, its script runner and the `sim` command. */
import type { TwimlStream, TwimlVerb } from './twiml.js';

export interface TimelineEntry {
  /** Wall-clock ms since the simulated call was created (multiply by `speed` for call time). */
  atMs: number;
  who: 'agent' | 'caller' | 'twilio';
  what: string;
}

export interface DialResult {
  /** HTTP status of the voice webhook (0 when the request itself failed). */
  httpStatus: number;
  /** The TwiML answered, as received. */
  twiml: string;
  verbs: TwimlVerb[];
  /** `stream`: the answer was `<Connect><Stream>`; `hangup`: it ended the call; `error`: Twilio would fail the call. */
  outcome: 'stream' | 'hangup' | 'error';
  stream?: TwimlStream;
  /** Texts of `<Say>` verbs that played before the stream (or instead of it). */
  said: string[];
  /** Set when outcome is `error`. */
  error?: string;
}

export type CallEndReason =
  | 'caller_hangup'
  | 'server_closed'
  | 'twiml_hangup'
  | 'webhook_error'
  | 'connect_failed'
  | 'socket_error';

export interface CallEnd {
  reason: CallEndReason;
  atMs: number;
  /** WebSocket close code and reason, when the media stream was open. */
  closeCode?: number;
  closeReason?: string;
  /** Answer to end, call time, whole seconds (what CallDuration reports). */
  callDurationSec: number;
  /** Agent audio still buffered (never heard) when the stream ended, ms. */
  unplayedAgentAudioMs: number;
  /** Verbs Twilio ran after the server closed the stream (the TwiML after `<Connect>`). */
  afterStreamVerbs: TwimlVerb[];
  heardWavPath?: string;
  recordingWavPath?: string;
  /** Problems writing the WAV files or sending status callbacks. */
  errors: string[];
}

export interface WaitOptions {
  /** Wall-clock ms; resolves false when it passes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface MarkEcho {
  atMs: number;
  name: string;
  /** Flushed by a `clear` rather than played out. */
  viaClear: boolean;
}

export interface CallerInterval {
  startMs: number;
  endMs?: number;
  label: string;
  completed?: boolean;
}
