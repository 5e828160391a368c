/**
 * Stream-input sockets opened ahead of the text they will speak. A reply knows it will need speech before its first
 * sentence exists (the model is still thinking), so the connection (TCP, TLS, the HTTP upgrade) is made then, off
 * the turn's critical path; the sentence is then one WebSocket message away from ElevenLabs. Against the production
 * API a request on a cold connection pays a TLS handshake, tens of milliseconds; on loopback the HTTP request
 * through the SDK costs 3–7 ms that a prepared socket does not (docs/operations/capacity.md).
 *
 * A socket is held for one sentence: taken once, or closed when its owner's signal aborts (the reply ended or was
 * interrupted), when it has waited `ttlMs`, or when the server closes it. Nothing here is shared across voices.
 */
import WebSocket from 'ws';
import type { ResolvedElevenLabsConfig } from './config.js';
import { streamInputUrl } from './stream-input.js';

export interface WarmSocketsOptions {
  /** How long an unused socket is kept (below the server's inactivity timeout, which counts from the open). */
  ttlMs?: number;
  /** Sockets held at most in this process, across voices: a bound, not a target. */
  max?: number;
}

interface Held {
  ws: WebSocket;
  voiceId: string;
  release: () => void;
}

export class WarmSockets {
  private readonly held: Held[] = [];
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(
    private readonly config: ResolvedElevenLabsConfig,
    opts: WarmSocketsOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? Math.max(1000, Math.min(15_000, config.inactivityTimeoutS * 1000 - 5000));
    this.max = opts.max ?? 256;
  }

  get size(): number {
    return this.held.length;
  }

  /** Opens one socket for `voiceId` unless `signal` has aborted or the bound is reached. Never throws. */
  open(voiceId: string, signal?: AbortSignal): void {
    if (signal?.aborted || this.held.length >= this.max) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(streamInputUrl(this.config, voiceId), {
        headers: { 'xi-api-key': this.config.apiKey },
        handshakeTimeout: this.config.firstByteTimeoutMs,
        // As stream-input.ts: no permessage-deflate offer.
        perMessageDeflate: false,
      });
    } catch {
      return;
    }
    const entry: Held = { ws, voiceId, release: () => undefined };
    // Until taken, any failure just drops the socket: the sentence will open its own connection.
    const drop = () => this.discard(entry);
    const onUnexpected = (_req: unknown, res: { resume(): void }) => {
      res.resume();
      drop();
    };
    const timer = setTimeout(drop, this.ttlMs);
    timer.unref();
    ws.on('error', drop);
    ws.on('close', drop);
    ws.on('unexpected-response', onUnexpected);
    signal?.addEventListener('abort', drop, { once: true });
    entry.release = () => {
      clearTimeout(timer);
      ws.off('error', drop);
      ws.off('close', drop);
      ws.off('unexpected-response', onUnexpected);
      signal?.removeEventListener('abort', drop);
    };
    this.held.push(entry);
  }

  /** A socket for `voiceId` that is open or still opening, now owned by the caller; undefined when none is held. */
  take(voiceId: string): WebSocket | undefined {
    for (let i = 0; i < this.held.length; i++) {
      const entry = this.held[i]!;
      if (entry.voiceId !== voiceId) continue;
      if (entry.ws.readyState !== WebSocket.OPEN && entry.ws.readyState !== WebSocket.CONNECTING) continue;
      this.held.splice(i, 1);
      entry.release();
      return entry.ws;
    }
    return undefined;
  }

  closeAll(): void {
    for (const entry of [...this.held]) this.discard(entry);
  }

  private discard(entry: Held): void {
    const i = this.held.indexOf(entry);
    if (i >= 0) this.held.splice(i, 1);
    entry.release();
    // A handshake that fails after this still emits 'error': keep a listener so it never reaches the process.
    entry.ws.on('error', () => undefined);
    if (entry.ws.readyState === WebSocket.OPEN) entry.ws.close(1000);
    else if (entry.ws.readyState === WebSocket.CONNECTING) entry.ws.terminate();
  }
}
