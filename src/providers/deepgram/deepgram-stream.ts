/**
 * One live Deepgram stream: socket lifecycle, KeepAlive, and our own reconnect loop.
 *
 * The reconnect is ours (the official SDK's, when we used it, could not do what a call needs: a 1–5 s random delay
 * not configurable per connect, no overall time budget, nothing buffered while down, a wait timer close() did not
 * clear). Here audio sent during an outage is buffered (bounded) and replayed, the loop has attempt and lifetime
 * budgets, and close/abort end it at once (pipecat #4806: a reconnect loop that never ended blocked teardown).
 */
import type { Logger } from '../../lib/logger.js';
import { AbortedError, sleep } from '../../lib/abort.js';
import { ProviderError } from '../errors.js';
import type { SttEvent, SttStream } from '../stt.js';
import { EventQueue } from './event-queue.js';
import { ReplayBuffer } from './replay-buffer.js';
import { PROVIDER, connectError, isFatalClose, toSttEvent, type ListenQuery } from './deepgram-wire.js';
import { ListenSocket } from './listen-socket.js';

export interface ReconnectPolicy {
  /** Attempts per outage. */
  maxAttempts: number;
  /** Total time the stream may spend reconnecting over its whole life; then events() throws. */
  lifetimeBudgetMs: number;
  /** First retry is immediate; then base × 2^n with ±20 % jitter, capped. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DeepgramStreamConfig {
  /** ws(s):// base of the listen endpoint, without `/v1/listen`. */
  baseUrl: string;
  apiKey: string;
  query: ListenQuery;
  /** Bytes of audio per ms in the stream's encoding (8 for mu-law 8 kHz). */
  bytesPerMs: number;
  keepAliveIntervalMs: number;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  /**
   * Deepgram answers audio with results (empty ones for silence) every second or so. Audio flowing with no message
   * back for this long means the socket has stalled without closing: it is dropped and reconnected like a close.
   */
  stallTimeoutMs?: number;
  replayBufferMs: number;
  reconnect: ReconnectPolicy;
  callId?: string;
  log?: Logger;
  signal?: AbortSignal;
}

type State = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

export class DeepgramSttStream implements SttStream {
  private state: State = 'connecting';
  private conn: ListenSocket | undefined;
  private readonly queue = new EventQueue<SttEvent>();
  private readonly buffer: ReplayBuffer;
  /** Aborted when the stream ends for any reason: stops sleeps and pending connects. */
  private readonly stop = new AbortController();
  private submittedMs = 0;
  private lastSentAt = 0;
  /** Last audio frame sent on the open socket, and last message received on it (for stall detection). */
  private lastAudioAt = 0;
  private lastMessageAt = 0;
  private pendingFinalize = false;
  private reconnectSpentMs = 0;
  private droppedMsBeforeOutage = 0;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private closePromise: Promise<void> | undefined;
  private serverClosed: (() => void) | undefined;

  private constructor(private readonly cfg: DeepgramStreamConfig) {
    this.buffer = new ReplayBuffer(cfg.bytesPerMs, cfg.replayBufferMs, cfg.query.encoding === 'linear16' ? 2 : 1);
  }

  /** Connects once (no retry: the caller decides on `retryable`); throws ProviderError or AbortedError. */
  static async open(cfg: DeepgramStreamConfig): Promise<DeepgramSttStream> {
    if (cfg.signal?.aborted) throw new AbortedError();
    const stream = new DeepgramSttStream(cfg);
    cfg.signal?.addEventListener('abort', stream.onAbort, { once: true });
    try {
      await stream.connect(cfg.connectTimeoutMs);
    } catch (err) {
      stream.finish();
      throw cfg.signal?.aborted ? new AbortedError() : connectError(err);
    }
    const periodMs = Math.max(20, Math.min(1000, cfg.keepAliveIntervalMs / 2, (cfg.stallTimeoutMs ?? Infinity) / 4));
    stream.keepAliveTimer = setInterval(stream.keepAliveTick, periodMs);
    stream.keepAliveTimer.unref();
    return stream;
  }

  send(audio: Uint8Array): void {
    if (audio.byteLength === 0 || this.state === 'closed' || this.state === 'closing') return;
    this.submittedMs += audio.byteLength / this.cfg.bytesPerMs;
    if (this.state === 'open' && this.conn) {
      try {
        this.conn.sendMedia(audio);
        this.lastSentAt = this.lastAudioAt = Date.now();
        return;
      } catch {
        // The socket is going down and its close event is not processed yet: keep the audio for the replay.
      }
    }
    this.buffer.push(audio);
  }

  finalize(): void {
    if (this.state === 'open' && this.conn) {
      try {
        this.conn.sendControl('Finalize');
        return;
      } catch {
        // fall through: send it after the reconnect
      }
    }
    if (this.state === 'open' || this.state === 'reconnecting') this.pendingFinalize = true;
  }

  events(): AsyncIterable<SttEvent> {
    return this.queue;
  }

  close(): Promise<void> {
    this.closePromise ??= this.closeGracefully();
    return this.closePromise;
  }

  private async closeGracefully(): Promise<void> {
    const conn = this.conn;
    if (this.state === 'open' && conn) {
      this.state = 'closing';
      try {
        conn.sendControl('CloseStream');
        // Results flushed by CloseStream still reach events() until the server closes the socket.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.cfg.closeTimeoutMs);
          this.serverClosed = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      } catch {
        // socket already unusable: nothing to flush
      }
    }
    this.finish();
  }

  private readonly onAbort = (): void => {
    this.queue.clear();
    this.finish();
  };

  /** Ends everything: loop, timers, socket, events. Safe to call more than once. */
  private finish(error?: ProviderError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stop.abort();
    clearInterval(this.keepAliveTimer);
    this.cfg.signal?.removeEventListener('abort', this.onAbort);
    const conn = this.conn;
    this.conn = undefined;
    conn?.terminate();
    this.serverClosed?.();
    this.buffer.drain();
    if (error) this.queue.fail(error);
    else this.queue.end();
  }

  private readonly keepAliveTick = (): void => {
    if (this.state !== 'open' || !this.conn) return;
    const stallMs = this.cfg.stallTimeoutMs;
    const now = Date.now();
    if (stallMs !== undefined && now - this.lastAudioAt < 1000 && now - this.lastMessageAt > stallMs) {
      const conn = this.conn;
      return this.onClosed(conn, 4000, '', new Error(`stalled: no message for ${Math.round(now - this.lastMessageAt)} ms while audio flowed`));
    }
    if (Date.now() - this.lastSentAt < this.cfg.keepAliveIntervalMs) return;
    try {
      this.conn.sendControl('KeepAlive');
      this.lastSentAt = Date.now();
    } catch {
      // not open any more; the close handler takes over
    }
  };

  /** Opens one socket; resolves on open, rejects with the connect failure. */
  private async connect(timeoutMs: number): Promise<void> {
    if (this.stop.signal.aborted) throw new AbortedError();
    const link = { offsetMs: 0 };
    let conn: ListenSocket | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        let opened = false;
        let settled = false;
        let lastError: Error | undefined;
        const settle = (err?: unknown) => {
          if (settled) return;
          settled = true;
          this.stop.signal.removeEventListener('abort', onStop);
          if (err === undefined) resolve();
          else reject(err instanceof Error ? err : new Error(String(err)));
        };
        const onStop = () => settle(new AbortedError());
        this.stop.signal.addEventListener('abort', onStop, { once: true });
        const socket = new ListenSocket(
          { baseUrl: this.cfg.baseUrl, apiKey: this.cfg.apiKey, query: this.cfg.query, connectTimeoutMs: timeoutMs },
          {
            open: () => {
              if (settled || this.conn !== socket) return;
              opened = true;
              this.onOpen(socket, link);
              settle();
            },
            message: (msg) => {
              if (this.conn !== socket) return;
              this.lastMessageAt = Date.now();
              this.onMessage(msg, link.offsetMs);
            },
            // ws reports a failed handshake as error then close; decide after the close so the error's text (which
            // carries the HTTP status) is known, and after an open socket's error so its close carries the reason.
            error: (err) => {
              lastError = err;
              if (!opened) queueMicrotask(() => settle(lastError));
            },
            close: (code, reason) => {
              queueMicrotask(() => {
                if (!opened) return settle(lastError ?? new Error(`closed before open (code ${code})`));
                this.onClosed(socket, code, reason, lastError);
              });
            },
          },
        );
        conn = socket;
        this.conn = socket;
      });
    } catch (err) {
      if (conn && this.conn === conn) this.conn = undefined;
      conn?.terminate();
      throw err;
    }
  }

  private onOpen(conn: ListenSocket, link: { offsetMs: number }): void {
    const wasReconnecting = this.state === 'reconnecting';
    // Deepgram's clock restarts at 0 on each socket; the replay starts where the buffered audio began.
    link.offsetMs = Math.round(this.submittedMs - this.buffer.bufferedMs);
    this.state = 'open';
    this.lastSentAt = this.lastMessageAt = Date.now();
    let replayedBytes = 0;
    for (const chunk of this.buffer.drain()) {
      conn.sendMedia(chunk);
      replayedBytes += chunk.byteLength;
    }
    if (this.pendingFinalize) {
      this.pendingFinalize = false;
      conn.sendControl('Finalize');
    }
    if (wasReconnecting) {
      const replayedMs = Math.round(replayedBytes / this.cfg.bytesPerMs);
      this.cfg.log?.info({ callId: this.cfg.callId, replayedMs }, 'deepgram reconnected');
      this.queue.push({ type: 'reconnected', replayedMs });
      const lostMs = Math.round(this.buffer.droppedMs - this.droppedMsBeforeOutage);
      if (lostMs > 0) {
        const message = `outage outlasted the replay buffer: ${lostMs} ms of audio lost`;
        const error = new ProviderError(PROVIDER, 'connection', message);
        this.queue.push({ type: 'warning', error });
      }
    }
  }

  private onMessage(msg: unknown, offsetMs: number): void {
    if (this.state === 'closed') return;
    const event = toSttEvent(msg, offsetMs);
    if (event) this.queue.push(event);
  }

  private onClosed(conn: ListenSocket, code: number, reason: string, err: Error | undefined): void {
    if (this.conn !== conn) return; // a socket we already let go of
    if (this.state === 'closing') return this.serverClosed?.();
    if (this.state !== 'open') return;
    this.conn = undefined;
    conn.terminate();
    const why = err?.message ?? `closed with code ${code}${reason ? ` (${reason})` : ''}`;
    if (isFatalClose(code)) {
      return this.finish(new ProviderError(PROVIDER, 'bad_request', why, { retryable: false }));
    }
    this.state = 'reconnecting';
    this.droppedMsBeforeOutage = this.buffer.droppedMs;
    this.reconnectLoop(why).catch((err: unknown) =>
      this.finish(new ProviderError(PROVIDER, 'connection', `reconnect failed: ${err instanceof Error ? err.message : String(err)}`)),
    );
  }

  private async reconnectLoop(firstReason: string): Promise<void> {
    const policy = this.cfg.reconnect;
    const outageStart = Date.now();
    const spentMs = () => this.reconnectSpentMs + (Date.now() - outageStart);
    let reason = firstReason;
    let attempt = 0;
    while (this.state === 'reconnecting') {
      attempt++;
      if (attempt > policy.maxAttempts || spentMs() >= policy.lifetimeBudgetMs) {
        this.reconnectSpentMs = spentMs();
        const msg = `gave up reconnecting after ${attempt - 1} attempt(s), ${Math.round(spentMs())} ms: ${reason}`;
        return this.finish(new ProviderError(PROVIDER, 'connection', msg));
      }
      this.cfg.log?.warn({ callId: this.cfg.callId, attempt, reason }, 'deepgram reconnecting');
      this.queue.push({ type: 'reconnecting', attempt, reason });
      try {
        const remaining = () => policy.lifetimeBudgetMs - spentMs();
        await sleep(Math.min(backoffMs(attempt, policy), remaining()), this.stop.signal);
        if (remaining() <= 0) continue;
        await this.connect(Math.min(this.cfg.connectTimeoutMs, remaining()));
        this.reconnectSpentMs = spentMs();
        return;
      } catch (err) {
        if (this.stop.signal.aborted || this.state !== 'reconnecting') return;
        const failure = connectError(err);
        if (!failure.retryable) return this.finish(failure);
        reason = failure.message;
      }
    }
  }
}

function backoffMs(attempt: number, policy: ReconnectPolicy): number {
  if (attempt <= 1) return 0;
  const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 2));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
