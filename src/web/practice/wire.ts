// The caller's side of Twilio's Media Streams protocol, as the practice page speaks it (the same messages the caller
// simulator, src/sim/caller/twilio-wire.ts, and Twilio itself send): connected, start, media, mark (echo), stop.
// Every number is a string, as in Twilio's own messages.

export interface StreamIds {
  callSid: string;
  streamSid: string;
  accountSid: string;
}

export type ServerMessage =
  | { event: 'media'; payload: Uint8Array }
  | { event: 'mark'; name: string }
  | { event: 'clear' };

export class Wire {
  private seq = 0;
  private chunk = 0;

  constructor(private readonly ids: StreamIds) {}

  connected(): string {
    return JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  }

  start(token: string): string {
    const { accountSid, streamSid, callSid } = this.ids;
    return JSON.stringify({
      event: 'start',
      sequenceNumber: String(++this.seq),
      start: { accountSid, streamSid, callSid, tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }, customParameters: { token } },
      streamSid,
    });
  }

  /** One 20 ms frame; `timestampMs` is stream time (ms since the stream started). */
  media(payload: Uint8Array, timestampMs: number): string {
    let bin = '';
    for (let i = 0; i < payload.length; i++) bin += String.fromCharCode(payload[i]!);
    return JSON.stringify({
      event: 'media',
      sequenceNumber: String(++this.seq),
      media: { track: 'inbound', chunk: String(++this.chunk), timestamp: String(Math.round(timestampMs)), payload: btoa(bin) },
      streamSid: this.ids.streamSid,
    });
  }

  mark(name: string): string {
    return JSON.stringify({ event: 'mark', sequenceNumber: String(++this.seq), streamSid: this.ids.streamSid, mark: { name } });
  }

  stop(): string {
    return JSON.stringify({ event: 'stop', sequenceNumber: String(++this.seq), streamSid: this.ids.streamSid, stop: { accountSid: this.ids.accountSid, callSid: this.ids.callSid } });
  }
}

/** What the server sends back; anything else is ignored (and counted by the caller). */
export function parseServerMessage(raw: string): ServerMessage | undefined {
  let m: { event?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
  try {
    m = JSON.parse(raw) as typeof m;
  } catch {
    return undefined;
  }
  if (m.event === 'media' && typeof m.media?.payload === 'string') {
    const bin = atob(m.media.payload);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return { event: 'media', payload: bytes };
  }
  if (m.event === 'mark' && typeof m.mark?.name === 'string') return { event: 'mark', name: m.mark.name };
  if (m.event === 'clear') return { event: 'clear' };
  return undefined;
}
