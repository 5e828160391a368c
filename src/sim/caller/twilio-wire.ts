/**
 * Twilio's side of the wire, written independently of the server's serializer (src/telephony/twilio/) so a mistake
 * there is not mirrored here: SIDs, request signatures, the Media Streams messages Twilio sends (every number a
 * string, as in Twilio's own examples) and a strict reader for the three messages a server may send back.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

export const MEDIA_FORMAT = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } as const;

/** `prefix` + 32 lowercase hex digits, the shape of every Twilio SID. */
export function twilioSid(prefix: 'CA' | 'AC' | 'MZ'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** X-Twilio-Signature for `url` (exactly as requested, query included) and the POST params (none for GET/WS). */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string> = {}): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export interface StreamIds {
  streamSid: string;
  accountSid: string;
  callSid: string;
}

export function connectedMessage(): string {
  return JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' });
}

export function startMessage(ids: StreamIds, seq: number, customParameters: Record<string, string>): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: String(seq),
    start: {
      accountSid: ids.accountSid,
      streamSid: ids.streamSid,
      callSid: ids.callSid,
      tracks: ['inbound'],
      mediaFormat: MEDIA_FORMAT,
      customParameters,
    },
    streamSid: ids.streamSid,
  });
}

export function mediaMessage(streamSid: string, seq: number, chunk: number, timestampMs: number, payload: Uint8Array): string {
  const b64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  return JSON.stringify({
    event: 'media',
    sequenceNumber: String(seq),
    media: { track: 'inbound', chunk: String(chunk), timestamp: String(timestampMs), payload: b64 },
    streamSid,
  });
}

export function dtmfMessage(streamSid: string, seq: number, digit: string): string {
  return JSON.stringify({ event: 'dtmf', streamSid, sequenceNumber: String(seq), dtmf: { track: 'inbound_track', digit } });
}

/** The echo of a mark the server sent, once the audio queued before it has played (or on `clear`). */
export function markEchoMessage(streamSid: string, seq: number, name: string): string {
  return JSON.stringify({ event: 'mark', sequenceNumber: String(seq), streamSid, mark: { name } });
}

export function stopMessage(ids: StreamIds, seq: number): string {
  return JSON.stringify({
    event: 'stop',
    sequenceNumber: String(seq),
    streamSid: ids.streamSid,
    stop: { accountSid: ids.accountSid, callSid: ids.callSid },
  });
}

export type ServerMessage =
  | { event: 'media'; streamSid: string; payload: Uint8Array }
  | { event: 'mark'; streamSid: string; name: string }
  | { event: 'clear'; streamSid: string };

export class ServerMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerMessageError';
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses what a server sends on a bidirectional stream; anything else throws `ServerMessageError`. */
export function parseServerMessage(raw: string): ServerMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    throw new ServerMessageError('not JSON');
  }
  if (typeof msg !== 'object' || msg === null) throw new ServerMessageError('not a JSON object');
  const m = msg as Record<string, unknown>;
  const streamSid = m.streamSid;
  if (typeof streamSid !== 'string' || !streamSid) throw new ServerMessageError(`${String(m.event)}: missing streamSid`);
  switch (m.event) {
    case 'media': {
      const payload = (m.media as { payload?: unknown } | undefined)?.payload;
      if (typeof payload !== 'string') throw new ServerMessageError('media: missing media.payload');
      // Buffer's decoder skips junk silently; Twilio would play garbage as noise, so flag it instead.
      if (payload.length % 4 !== 0 || !BASE64.test(payload)) throw new ServerMessageError('media: payload is not base64');
      const buf = Buffer.from(payload, 'base64');
      return { event: 'media', streamSid, payload: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
    }
    case 'mark': {
      const name = (m.mark as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string') throw new ServerMessageError('mark: missing mark.name');
      return { event: 'mark', streamSid, name };
    }
    case 'clear':
      return { event: 'clear', streamSid };
    default:
      throw new ServerMessageError(`unknown event ${JSON.stringify(m.event)?.slice(0, 40)}`);
  }
}
