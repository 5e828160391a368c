/**
 * Twilio Media Streams wire format ⇄ typed events. Pure: no sockets, no state. Inbound numbers arrive as strings
 * (`sequenceNumber`, `chunk`, `timestamp`) and are normalised to numbers; media payloads are strictly validated
 * base64 decoded to bytes. Anything malformed throws `MediaFrameError` with a reason code, so the route can log
 * it and decide (close the socket, or skip the frame) without parsing messages itself.
 */

/** Largest inbound WebSocket message accepted (a 20 ms frame is ~400 bytes of JSON). */
export const MAX_FRAME_BYTES = 64 * 1024;

export type MediaFrameErrorReason = 'invalid_json' | 'unknown_event' | 'bad_field' | 'bad_base64' | 'too_large';

export class MediaFrameError extends Error {
  readonly reason: MediaFrameErrorReason;

  constructor(reason: MediaFrameErrorReason, message: string) {
    super(message);
    this.name = 'MediaFrameError';
    this.reason = reason;
  }
}

export interface ConnectedEvent {
  event: 'connected';
  protocol: string;
  version: string;
}

export interface StartEvent {
  event: 'start';
  sequenceNumber: number;
  streamSid: string;
  accountSid: string;
  callSid: string;
  tracks: string[];
  customParameters: Record<string, string>;
  mediaFormat: { encoding: string; sampleRate: number; channels: number };
}

export interface MediaEvent {
  event: 'media';
  sequenceNumber: number;
  streamSid: string;
  track: 'inbound' | 'outbound';
  chunk: number;
  /** ms since the stream started, by Twilio's clock. */
  timestampMs: number;
  /** Raw mu-law 8 kHz bytes. */
  payload: Uint8Array;
}

export interface DtmfEvent {
  event: 'dtmf';
  sequenceNumber: number;
  streamSid: string;
  track: string;
  digit: string;
}

export interface MarkEvent {
  event: 'mark';
  sequenceNumber: number;
  streamSid: string;
  name: string;
}

export interface StopEvent {
  event: 'stop';
  sequenceNumber: number;
  streamSid: string;
  accountSid: string;
  callSid: string;
}

export type InboundEvent = ConnectedEvent | StartEvent | MediaEvent | DtmfEvent | MarkEvent | StopEvent;

type Json = Record<string, unknown>;

function bad(field: string, why = 'is missing or has the wrong type'): MediaFrameError {
  return new MediaFrameError('bad_field', `${field} ${why}`);
}

function obj(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field);
  return v as Json;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw bad(field);
  return v;
}

const UINT_STRING = /^\d{1,15}$/;

/** Non-negative integer given as a number or a decimal string. */
function uint(v: unknown, field: string): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
  } else if (typeof v === 'string' && UINT_STRING.test(v)) {
    return Number(v);
  }
  throw bad(field, 'is not a non-negative integer');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (RFC 4648 alphabet, padded): Buffer's own decoder silently skips junk, so check first. */
export function decodeBase64Strict(s: string): Uint8Array {
  if (s.length % 4 !== 0 || !BASE64.test(s)) throw new MediaFrameError('bad_base64', 'media.payload is not valid base64');
  // A Buffer is a Uint8Array; returning it as is avoids a second view object per frame.
  return Buffer.from(s, 'base64');
}

/**
 * Parses one inbound message. `rawByteLength` is the size of the WebSocket message as received (defaults to the
 * string length); messages over `MAX_FRAME_BYTES` are rejected before any parsing.
 */
export function parseInbound(raw: string, rawByteLength: number = raw.length): InboundEvent {
  if (rawByteLength > MAX_FRAME_BYTES || raw.length > MAX_FRAME_BYTES) {
    throw new MediaFrameError('too_large', `message of ${rawByteLength} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new MediaFrameError('invalid_json', 'message is not valid JSON');
  }
  const msg = obj(parsed, 'message');
  switch (msg.event) {
    case 'media': {
      const media = obj(msg.media, 'media');
      const track = media.track;
      if (track !== 'inbound' && track !== 'outbound') throw bad('media.track');
      const payload = media.payload;
      if (typeof payload !== 'string') throw bad('media.payload');
      return {
        event: 'media',
        sequenceNumber: uint(msg.sequenceNumber, 'sequenceNumber'),
        streamSid: str(msg.streamSid, 'streamSid'),
        track,
        chunk: uint(media.chunk, 'media.chunk'),
        timestampMs: uint(media.timestamp, 'media.timestamp'),
        payload: decodeBase64Strict(payload),
      };
    }
    case 'mark':
      return {
        event: 'mark',
        sequenceNumber: uint(msg.sequenceNumber, 'sequenceNumber'),
        streamSid: str(msg.streamSid, 'streamSid'),
        name: str(obj(msg.mark, 'mark').name, 'mark.name'),
      };
    case 'connected':
      return {
        event: 'connected',
        protocol: str(msg.protocol, 'protocol'),
        version: str(msg.version, 'version'),
      };
    case 'start':
      return parseStart(msg);
    case 'dtmf': {
      const dtmf = obj(msg.dtmf, 'dtmf');
      const digit = str(dtmf.digit, 'dtmf.digit');
      if (!/^[0-9*#A-Da-d]$/.test(digit)) throw bad('dtmf.digit', 'is not a DTMF digit');
      return {
        event: 'dtmf',
        sequenceNumber: uint(msg.sequenceNumber, 'sequenceNumber'),
        streamSid: str(msg.streamSid, 'streamSid'),
        track: str(dtmf.track, 'dtmf.track'),
        digit,
      };
    }
    case 'stop': {
      const stop = obj(msg.stop, 'stop');
      return {
        event: 'stop',
        sequenceNumber: uint(msg.sequenceNumber, 'sequenceNumber'),
        streamSid: str(msg.streamSid, 'streamSid'),
        accountSid: str(stop.accountSid, 'stop.accountSid'),
        callSid: str(stop.callSid, 'stop.callSid'),
      };
    }
    default:
      throw new MediaFrameError(
        'unknown_event',
        typeof msg.event === 'string' ? `unknown event "${msg.event.slice(0, 40)}"` : 'event is missing',
      );
  }
}

function parseStart(msg: Json): StartEvent {
  const start = obj(msg.start, 'start');
  const tracks = start.tracks;
  if (!Array.isArray(tracks) || !tracks.every((t) => typeof t === 'string')) throw bad('start.tracks');
  const customParameters: Record<string, string> = {};
  if (start.customParameters !== undefined) {
    const params = obj(start.customParameters, 'start.customParameters');
    for (const [key, value] of Object.entries(params)) {
      if (typeof value !== 'string') throw bad(`start.customParameters.${key.slice(0, 40)}`);
      customParameters[key] = value;
    }
  }
  const format = obj(start.mediaFormat, 'start.mediaFormat');
  const streamSid = str(msg.streamSid, 'streamSid');
  if (start.streamSid !== undefined && start.streamSid !== streamSid) throw bad('start.streamSid', 'does not match');
  return {
    event: 'start',
    sequenceNumber: uint(msg.sequenceNumber, 'sequenceNumber'),
    streamSid,
    accountSid: str(start.accountSid, 'start.accountSid'),
    callSid: str(start.callSid, 'start.callSid'),
    tracks: tracks as string[],
    customParameters,
    mediaFormat: {
      encoding: str(format.encoding, 'start.mediaFormat.encoding'),
      sampleRate: uint(format.sampleRate, 'start.mediaFormat.sampleRate'),
      channels: uint(format.channels, 'start.mediaFormat.channels'),
    },
  };
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Outbound audio: raw mu-law 8 kHz, no header (a WAV header plays as a click). */
export function serializeMedia(streamSid: string, muLawBytes: Uint8Array): string {
  return mediaSerializer(streamSid)(muLawBytes);
}

/**
 * A stream's outbound media serializer: the JSON around the payload is encoded once per stream, so each 20 ms
 * frame costs one base64 encoding and one concatenation (same bytes as serializeMedia).
 */
export function mediaSerializer(streamSid: string): (muLawBytes: Uint8Array) => string {
  const head = `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"`;
  return (muLawBytes) => head + bytesToBase64(muLawBytes) + '"}}';
}

export function serializeMark(streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', streamSid, mark: { name } });
}

export function serializeClear(streamSid: string): string {
  return JSON.stringify({ event: 'clear', streamSid });
}
