/**
 * A bare Twilio-side media stream client for protocol tests: exact control over every frame sent, and a record
 * of everything the server sends back.
 */
import WebSocket from 'ws';
import twilio from 'twilio';
import { randomBytes } from 'node:crypto';

export const newCallSid = () => 'CA' + randomBytes(16).toString('hex');

export interface ServerMessage {
  event: string;
  streamSid?: string;
  media?: { payload: string };
  mark?: { name: string };
  atMs: number;
}

export class RawStream {
  readonly received: ServerMessage[] = [];
  closed: Promise<{ code: number; reason: string }>;
  private seq = 0;
  readonly streamSid = 'MZ' + randomBytes(16).toString('hex');
  private readonly t0 = performance.now();

  private constructor(
    readonly ws: WebSocket,
    readonly callSid: string,
  ) {
    ws.on('message', (data) => this.received.push({ ...JSON.parse(data.toString()), atMs: performance.now() - this.t0 }));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(baseUrl: string, authToken: string, callSid = newCallSid(), opts: { signature?: string } = {}): Promise<RawStream> {
    const url = baseUrl.replace(/^http/, 'ws') + '/twilio/media';
    const signature = opts.signature ?? twilio.getExpectedTwilioSignature(authToken, url, {});
    const ws = new WebSocket(url, { headers: { 'x-twilio-signature': signature } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return new RawStream(ws, callSid);
  }

  send(obj: unknown): void {
    this.ws.send(JSON.stringify(obj));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  connected(): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  }

  start(token: string | undefined, callSid = this.callSid): void {
    this.send({
      event: 'start',
      sequenceNumber: String(++this.seq),
      streamSid: this.streamSid,
      start: {
        accountSid: 'AC' + '0'.repeat(32),
        streamSid: this.streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters: token === undefined ? {} : { token },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
  }

  media(payload: Buffer, timestampMs: number): void {
    this.send({
      event: 'media',
      sequenceNumber: String(++this.seq),
      streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(this.seq), timestamp: String(timestampMs), payload: payload.toString('base64') },
    });
  }

  mark(name: string): void {
    this.send({ event: 'mark', sequenceNumber: String(++this.seq), streamSid: this.streamSid, mark: { name } });
  }

  stop(): void {
    this.send({ event: 'stop', sequenceNumber: String(++this.seq), streamSid: this.streamSid, stop: { accountSid: 'AC' + '0'.repeat(32), callSid: this.callSid } });
  }

  of(event: string): ServerMessage[] {
    return this.received.filter((m) => m.event === event);
  }

  async waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > until) throw new Error('timed out waiting for the server');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Posts the signed voice webhook and returns the stream token from the TwiML. */
export async function offerCall(baseUrl: string, authToken: string, interviewId: string, callSid: string): Promise<string> {
  const url = `${baseUrl}/twilio/voice?interviewId=${interviewId}`;
  const params = { CallSid: callSid, From: '+14155550999', To: '+14155550100', CallStatus: 'in-progress' };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
    body: new URLSearchParams(params),
  });
  const body = await res.text();
  const token = /<Parameter name="token" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error(`no stream in TwiML: ${body}`);
  return token;
}
