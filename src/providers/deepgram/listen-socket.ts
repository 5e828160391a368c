/**
 * One Deepgram listen-v1 WebSocket over `ws`: the same request the official SDK (v5.13) makes, without the SDK.
 *
 * Why not the SDK: it served only `listen.v1.connect`, and we had already turned off its reconnect and reached into
 * its private `_ws` to terminate sockets. Loading it cost every web process about 6 MB of heap (measured: import,
 * then full GC), which every major GC marks again. The request is small and documented: `GET {base}/v1/listen?…`
 * with `Authorization: Token <key>`, binary audio frames, and the JSON control messages KeepAlive, Finalize and
 * CloseStream; the server answers with JSON (Results, Metadata, SpeechStarted, UtteranceEnd).
 */
import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { ListenQuery } from './deepgram-wire.js';

export interface ListenSocketOptions {
  /** ws(s):// base without `/v1/listen` (`listenBase`). */
  baseUrl: string;
  apiKey: string;
  query: ListenQuery;
  connectTimeoutMs: number;
}

export interface ListenSocketHandlers {
  open(): void;
  /** A server message, parsed; a frame that is not JSON is reported as an error and dropped. */
  message(msg: unknown): void;
  error(err: Error): void;
  close(code: number, reason: string): void;
}

/** `/v1/listen` query string as the SDK writes it: arrays as repeated keys, values percent-encoded (space as %20). */
export function listenUrl(baseUrl: string, query: ListenQuery): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query) as [string, unknown][]) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${encodeURIComponent(String(v))}`);
  }
  return `${baseUrl.replace(/\/+$/, '')}/v1/listen?${parts.join('&')}`;
}

export class ListenSocket {
  private readonly ws: WebSocket;

  constructor(opts: ListenSocketOptions, on: ListenSocketHandlers) {
    this.ws = new WebSocket(listenUrl(opts.baseUrl, opts.query), {
      headers: { authorization: `Token ${opts.apiKey}`, 'user-agent': 'screenline', 'x-deepgram-session-id': randomUUID() },
      handshakeTimeout: opts.connectTimeoutMs,
      // 20 ms of mu-law does not compress; deflating 50 frames a second per call would only cost CPU.
      perMessageDeflate: false,
    });
    this.ws.on('open', () => on.open());
    this.ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return on.error(new Error('Deepgram sent a message that is not JSON'));
      }
      on.message(msg);
    });
    // A refused handshake arrives here as ws's "Unexpected server response: 401" (connectError reads the status).
    this.ws.on('error', (err) => on.error(err));
    this.ws.on('close', (code, reason) => on.close(code, reason.toString()));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Throws when the socket is not open, so the stream keeps the audio for its replay. */
  sendMedia(audio: Uint8Array): void {
    this.assertOpen();
    this.ws.send(audio, { binary: true });
  }

  sendControl(type: 'KeepAlive' | 'Finalize' | 'CloseStream'): void {
    this.assertOpen();
    this.ws.send(`{"type":"${type}"}`);
  }

  /** At once: a graceful close would leave `ws` waiting up to 30 s for the peer's close frame on a live timer. */
  terminate(): void {
    try {
      this.ws.terminate();
    } catch {
      // already gone
    }
  }

  private assertOpen(): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error('Deepgram socket is not open');
  }
}
