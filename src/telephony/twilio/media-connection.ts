/**
 * One Twilio Media Streams WebSocket: the wire-protocol policy, with no business logic. It parses frames with the
 * serializer, enforces the start deadline and the bad-frame policy, and hands typed events to the handler the
 * route supplies once `start` has been accepted. It is the call's CallTransport for outbound audio.
 *
 * Bad-input policy (docs/telephony.md):
 * | input                                   | action                          | metric reason        |
 * | binary frame                            | drop                            | binary               |
 * | invalid JSON / unknown event / bad field / bad base64 | drop              | invalid_json, …      |
 * | frame over 64 KiB                       | ws closes the socket with 1009  | too_large            |
 * | media, mark or dtmf before `start`      | drop                            | before_start         |
 * | media or mark while `start` is accepted | drop, not counted as bad (Twilio sends media right after start) | — |
 * | a second `start`                        | drop                            | duplicate_start      |
 * | no accepted `start` within 5 s          | close 1008                      | start_timeout        |
 * | `start` with a bad token                | close 1008                      | (handler's reason)   |
 * | more than 20 dropped frames on a socket | close 1008                      | too_many_bad_frames  |
 */
import type { WebSocket } from 'ws';
import {
  MediaFrameError,
  parseInbound,
  serializeClear,
  serializeMark,
  mediaSerializer,
  type MediaEvent,
  type StartEvent,
} from './media-serializer.js';
import type { LogSink } from '../../lib/logger.js';

export interface StreamHandler {
  onMedia(event: MediaEvent): void;
  onMark(name: string): void;
  onDtmf(digit: string): void;
  /** Twilio sent `stop` or the socket closed; `how` says which. */
  onEnd(how: { stop: boolean; code: number; reason: string }): void;
}

export interface MediaConnectionOptions {
  log: LogSink;
  startTimeoutMs?: number;
  maxBadFrames?: number;
  /** Validates `start` (token, CallSid) and returns the call's handler, or a reason to refuse the stream. */
  accept(start: StartEvent, transport: TwilioMediaConnection): Promise<StreamHandler | { refuse: string }>;
  onRejectedFrame?(reason: string): void;
}

export class TwilioMediaConnection {
  private streamSid: string | undefined;
  /** Built once the stream's sid is known: the per-frame path encodes only the payload. */
  private serializeMedia: ((frame: Uint8Array) => string) | undefined;
  private callSid: string | undefined;
  private handler: StreamHandler | undefined;
  private starting = false;
  /** Frames that arrived while `start` was being accepted (token, database): normal, dropped, logged once. */
  private droppedDuringStart = 0;
  private badFrames = 0;
  private ended = false;
  private finished = false;
  private readonly startTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: MediaConnectionOptions,
  ) {
    this.startTimer = setTimeout(() => this.refuse('start_timeout', 'no valid start message within the deadline'), opts.startTimeoutMs ?? 5000);
    socket.on('message', (data, isBinary) => {
      // A throw here would leave the ws emitter and reach the process; it is this stream's fault alone.
      try {
        this.onMessage(data as Buffer, isBinary);
      } catch (err) {
        this.opts.log.error({ err, callSid: this.callSid }, 'media frame handling failed: closing this stream');
        this.opts.onRejectedFrame?.('internal_error');
        this.close(1011, 'internal error');
      }
    });
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
    socket.on('error', (err) => {
      // ws reports oversize frames here (and closes with 1009); never let it reach the process.
      const reason = /max payload|too big/i.test(err.message) ? 'too_large' : 'socket_error';
      this.reject(reason, err.message);
    });
  }

  get started(): boolean {
    return this.handler !== undefined;
  }

  sendAudio(frame: Uint8Array): void {
    if (this.streamSid && this.socket.readyState === this.socket.OPEN) this.socket.send((this.serializeMedia ??= mediaSerializer(this.streamSid))(frame));
  }

  sendMark(name: string): void {
    if (this.streamSid && this.socket.readyState === this.socket.OPEN) this.socket.send(serializeMark(this.streamSid, name));
  }

  sendClear(): void {
    if (this.streamSid && this.socket.readyState === this.socket.OPEN) this.socket.send(serializeClear(this.streamSid));
  }

  close(code = 1000, reason = 'call ended'): void {
    clearTimeout(this.startTimer);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.reject('binary', 'binary frames are not part of the protocol');
    let event;
    try {
      event = parseInbound(data.toString('utf8'), data.length);
    } catch (err) {
      if (err instanceof MediaFrameError) return this.reject(err.reason, err.message);
      throw err;
    }
    switch (event.event) {
      case 'connected':
        return;
      case 'start':
        if (this.handler || this.starting) return this.reject('duplicate_start', 'a second start message');
        this.starting = true;
        this.onStart(event).catch((err: unknown) => {
          this.opts.log.error({ err, callSid: event.callSid }, 'starting the media stream failed');
          this.close(1011, 'internal error');
        });
        return;
      case 'media':
        if (!this.handler) return this.starting ? void this.droppedDuringStart++ : this.reject('before_start', 'media before start');
        this.handler.onMedia(event);
        return;
      case 'mark':
        if (!this.handler) return this.starting ? void this.droppedDuringStart++ : this.reject('before_start', 'mark before start');
        this.handler.onMark(event.name);
        return;
      case 'dtmf':
        if (!this.handler) return this.reject('before_start', 'dtmf before start');
        this.handler.onDtmf(event.digit);
        return;
      case 'stop':
        this.finish({ stop: true, code: 1000, reason: 'stop' });
        this.close(1000, 'stream stopped');
        return;
    }
  }

  private async onStart(start: StartEvent): Promise<void> {
    this.streamSid = start.streamSid;
    this.callSid = start.callSid;
    let result: StreamHandler | { refuse: string };
    try {
      result = await this.opts.accept(start, this);
    } catch (err) {
      this.opts.log.error({ err, callSid: start.callSid }, 'accepting media stream failed');
      result = { refuse: 'internal error' };
    }
    if ('refuse' in result) return this.refuse('refused', result.refuse);
    clearTimeout(this.startTimer);
    if (this.ended || this.socket.readyState !== this.socket.OPEN) {
      // The caller hung up while we were validating.
      this.handler = result;
      this.finish({ stop: false, code: 1006, reason: 'closed during start' });
      return;
    }
    this.handler = result;
    if (this.droppedDuringStart) this.opts.log.debug({ callSid: start.callSid, frames: this.droppedDuringStart }, 'frames that arrived while the stream was being accepted were dropped');
  }

  private reject(reason: string, detail: string): void {
    this.badFrames++;
    this.opts.onRejectedFrame?.(reason);
    this.opts.log.warn({ callSid: this.callSid, streamSid: this.streamSid, reason, detail }, 'media frame rejected');
    if (this.badFrames > (this.opts.maxBadFrames ?? 20)) this.refuse('too_many_bad_frames', 'too many invalid frames');
  }

  private refuse(reason: string, detail: string): void {
    this.opts.onRejectedFrame?.(reason);
    this.opts.log.warn({ callSid: this.callSid, reason, detail }, 'media stream closed by policy');
    this.close(1008, detail.slice(0, 120));
  }

  private onClose(code: number, reason: string): void {
    clearTimeout(this.startTimer);
    this.ended = true;
    this.finish({ stop: false, code, reason });
  }

  private finish(how: { stop: boolean; code: number; reason: string }): void {
    if (!this.handler || this.finished) return;
    this.finished = true;
    this.handler.onEnd(how);
  }
}
