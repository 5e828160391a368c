/**
 * The media socket's policy while `start` is being accepted (token check, database): Twilio sends media right after
 * `start`, so frames in that window are normal, dropped quietly, and never count toward the bad-frame limit that
 * closes a stream. Before any `start` they are still rejected.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { TwilioMediaConnection, type StreamHandler } from '../../src/telephony/twilio/media-connection.js';
import { mediaMessage, startMessage } from '../../src/sim/caller/twilio-wire.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  closed: { code: number; reason: string } | undefined;
  send(): void {}
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  frame(raw: string): void {
    this.emit('message', Buffer.from(raw), false);
  }
}

const ids = { callSid: 'CA' + 'a'.repeat(32), streamSid: 'MZ' + 'b'.repeat(32), accountSid: 'AC' + 'c'.repeat(32) };
const silence = new Uint8Array(160).fill(0xff);
const quietLog = { info() {}, warn() {}, error() {}, debug() {} };

function setup() {
  const socket = new FakeSocket();
  const rejected: string[] = [];
  const media: number[] = [];
  let accept!: (h: StreamHandler) => void;
  const handler: StreamHandler = { onMedia: (e) => media.push(Number(e.sequenceNumber)), onMark() {}, onDtmf() {}, onEnd() {} };
  new TwilioMediaConnection(socket as unknown as WebSocket, {
    log: quietLog,
    maxBadFrames: 20,
    accept: () => new Promise((resolve) => (accept = resolve)),
    onRejectedFrame: (reason) => rejected.push(reason),
  });
  return { socket, rejected, media, accepted: () => accept(handler) };
}

describe('media while start is being accepted', () => {
  it('drops it quietly: 50 frames (a second of audio) do not close the stream; media after acceptance flows', async () => {
    const s = setup();
    s.socket.frame(startMessage(ids, 1, {}));
    for (let i = 0; i < 50; i++) s.socket.frame(mediaMessage(ids.streamSid, 2 + i, 1 + i, i * 20, silence));
    expect(s.rejected).toEqual([]);
    expect(s.socket.closed).toBeUndefined();
    s.accepted();
    await new Promise((r) => setImmediate(r));
    s.socket.frame(mediaMessage(ids.streamSid, 60, 60, 1200, silence));
    expect(s.media).toEqual([60]);
    expect(s.socket.closed).toBeUndefined();
  });

  it('still rejects media before any start', () => {
    const s = setup();
    s.socket.frame(mediaMessage(ids.streamSid, 1, 1, 0, silence));
    expect(s.rejected).toEqual(['before_start']);
  });
});
