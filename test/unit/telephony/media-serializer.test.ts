import { describe, expect, it } from 'vitest';
import {
  MAX_FRAME_BYTES,
  MediaFrameError,
  decodeBase64Strict,
  parseInbound,
  serializeClear,
  serializeMark,
  serializeMedia,
} from '../../../src/telephony/twilio/media-serializer.js';
import type { MediaFrameErrorReason } from '../../../src/telephony/twilio/media-serializer.js';

const SID = 'MZ18ad3ab5a668481ce02b83e7395059f0';
const payload = Buffer.from(Uint8Array.from({ length: 160 }, (_, i) => (i * 7) % 256)).toString('base64');

// Message shapes as Twilio documents them (numbers as strings).
const connected = '{"event":"connected","protocol":"Call","version":"1.0.0"}';
const start = JSON.stringify({
  event: 'start',
  sequenceNumber: '1',
  streamSid: SID,
  start: {
    accountSid: 'AC0000000000000000000000000000000a',
    streamSid: SID,
    callSid: 'CA0000000000000000000000000000000c',
    tracks: ['inbound'],
    customParameters: { token: 'tok_123', interview: 'iv_9' },
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
  },
});
const media = JSON.stringify({
  event: 'media',
  sequenceNumber: '4',
  streamSid: SID,
  media: { track: 'inbound', chunk: '2', timestamp: '5', payload },
});
const dtmf = JSON.stringify({
  event: 'dtmf',
  streamSid: SID,
  sequenceNumber: '5',
  dtmf: { track: 'inbound_track', digit: '1' },
});
const mark = JSON.stringify({ event: 'mark', sequenceNumber: '4', streamSid: SID, mark: { name: 'r1:0' } });
const stop = JSON.stringify({
  event: 'stop',
  sequenceNumber: '5',
  streamSid: SID,
  stop: { accountSid: 'AC0000000000000000000000000000000a', callSid: 'CA0000000000000000000000000000000c' },
});

function reason(fn: () => unknown): MediaFrameErrorReason | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof MediaFrameError) return err.reason;
    throw err;
  }
  return undefined;
}

function withMedia(patch: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event: 'media',
    sequenceNumber: '4',
    streamSid: SID,
    media: { track: 'inbound', chunk: '2', timestamp: '5', payload, ...patch },
    ...top,
  });
}

describe('parseInbound: every event shape', () => {
  it('connected', () => {
    expect(parseInbound(connected)).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  });

  it('start, with custom parameters and media format', () => {
    expect(parseInbound(start)).toEqual({
      event: 'start',
      sequenceNumber: 1,
      streamSid: SID,
      accountSid: 'AC0000000000000000000000000000000a',
      callSid: 'CA0000000000000000000000000000000c',
      tracks: ['inbound'],
      customParameters: { token: 'tok_123', interview: 'iv_9' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    });
  });

  it('start without customParameters gives an empty object', () => {
    const msg = JSON.parse(start) as { start: Record<string, unknown> };
    delete msg.start.customParameters;
    expect((parseInbound(JSON.stringify(msg)) as { customParameters: unknown }).customParameters).toEqual({});
  });

  it('media: numbers normalised, payload decoded to bytes', () => {
    const ev = parseInbound(media);
    expect(ev).toMatchObject({ event: 'media', sequenceNumber: 4, streamSid: SID, track: 'inbound', chunk: 2, timestampMs: 5 });
    if (ev.event !== 'media') throw new Error('expected media');
    expect(ev.payload).toBeInstanceOf(Uint8Array);
    expect(ev.payload.length).toBe(160);
    expect(ev.payload[3]).toBe(21);
  });

  it('media with numeric fields as numbers, and an empty payload', () => {
    const ev = parseInbound(withMedia({ chunk: 7, timestamp: 140, payload: '' }, { sequenceNumber: 9 }));
    expect(ev).toMatchObject({ sequenceNumber: 9, chunk: 7, timestampMs: 140 });
    expect((ev as { payload: Uint8Array }).payload.length).toBe(0);
  });

  it('dtmf, mark and stop', () => {
    expect(parseInbound(dtmf)).toEqual({ event: 'dtmf', sequenceNumber: 5, streamSid: SID, track: 'inbound_track', digit: '1' });
    expect(parseInbound(mark)).toEqual({ event: 'mark', sequenceNumber: 4, streamSid: SID, name: 'r1:0' });
    expect(parseInbound(stop)).toEqual({
      event: 'stop',
      sequenceNumber: 5,
      streamSid: SID,
      accountSid: 'AC0000000000000000000000000000000a',
      callSid: 'CA0000000000000000000000000000000c',
    });
  });
});

describe('parseInbound: bad input', () => {
  it('invalid_json', () => {
    expect(reason(() => parseInbound('{"event":'))).toBe('invalid_json');
    expect(reason(() => parseInbound(''))).toBe('invalid_json');
  });

  it('unknown_event', () => {
    expect(reason(() => parseInbound('{"event":"hello"}'))).toBe('unknown_event');
    expect(reason(() => parseInbound('{"foo":1}'))).toBe('unknown_event');
    expect(() => parseInbound('{"event":"hello"}')).toThrow(/unknown event "hello"/);
  });

  it('bad_field: not an object at the top', () => {
    for (const raw of ['[]', 'null', '"media"', '42']) expect(reason(() => parseInbound(raw))).toBe('bad_field');
  });

  it('bad_field: numbers that are not non-negative integers', () => {
    for (const v of ['-1', '1.5', 'abc', '', -3, 2.5, null, true, '1e3', ' 4']) {
      expect(reason(() => parseInbound(withMedia({ chunk: v })))).toBe('bad_field');
    }
    expect(reason(() => parseInbound(withMedia({}, { sequenceNumber: undefined })))).toBe('bad_field');
    expect(reason(() => parseInbound(withMedia({ timestamp: '99999999999999999' })))).toBe('bad_field');
  });

  it('bad_field: missing or mistyped media fields', () => {
    expect(reason(() => parseInbound(withMedia({ track: 'both' })))).toBe('bad_field');
    expect(reason(() => parseInbound(withMedia({ payload: 123 })))).toBe('bad_field');
    expect(reason(() => parseInbound(withMedia({}, { streamSid: '' })))).toBe('bad_field');
    expect(reason(() => parseInbound('{"event":"media","sequenceNumber":"1","streamSid":"MZ","media":"x"}'))).toBe('bad_field');
    expect(() => parseInbound(withMedia({ chunk: 'x' }))).toThrow(/media\.chunk/);
  });

  it('bad_field: other events', () => {
    expect(reason(() => parseInbound(mark.replace('"r1:0"', '""')))).toBe('bad_field');
    expect(reason(() => parseInbound(dtmf.replace('"digit":"1"', '"digit":"12"')))).toBe('bad_field');
    expect(reason(() => parseInbound(dtmf.replace('"digit":"1"', '"digit":"x"')))).toBe('bad_field');
    expect(reason(() => parseInbound(stop.replace('"callSid"', '"other"')))).toBe('bad_field');
    expect(reason(() => parseInbound('{"event":"connected","protocol":"Call"}'))).toBe('bad_field');
    expect(reason(() => parseInbound(start.replace('"tracks":["inbound"]', '"tracks":"inbound"')))).toBe('bad_field');
    expect(reason(() => parseInbound(start.replace('"tok_123"', '5')))).toBe('bad_field');
    expect(reason(() => parseInbound(start.replace(`"streamSid":"${SID}","callSid"`, '"streamSid":"MZother","callSid"')))).toBe(
      'bad_field',
    );
    expect(reason(() => parseInbound(start.replace('"sampleRate":8000', '"sampleRate":"fast"')))).toBe('bad_field');
  });

  it('bad_base64: invalid characters, length and padding', () => {
    for (const p of ['AAA', 'AA=A', 'A===', '****', 'AAAA\n', 'AA AA=', 'AAA-', 'AAA_', 'AAAAA===']) {
      expect(reason(() => parseInbound(withMedia({ payload: p })))).toBe('bad_base64');
    }
    expect(reason(() => parseInbound(withMedia({ payload: 'AAA=' })))).toBeUndefined();
    expect(reason(() => parseInbound(withMedia({ payload: 'AA==' })))).toBeUndefined();
  });

  it('too_large: rejected by declared size before parsing, and by string length', () => {
    expect(reason(() => parseInbound(media, MAX_FRAME_BYTES + 1))).toBe('too_large');
    expect(reason(() => parseInbound(media, MAX_FRAME_BYTES))).toBeUndefined();
    const huge = withMedia({ payload: 'A'.repeat(MAX_FRAME_BYTES) });
    expect(reason(() => parseInbound(huge))).toBe('too_large');
    expect(reason(() => parseInbound('x'.repeat(MAX_FRAME_BYTES + 1), 10))).toBe('too_large');
  });

  it('errors are typed', () => {
    try {
      parseInbound('nope');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MediaFrameError);
      expect((err as MediaFrameError).name).toBe('MediaFrameError');
    }
  });
});

describe('decodeBase64Strict', () => {
  it('returns a Uint8Array view of the decoded bytes', () => {
    expect(Array.from(decodeBase64Strict('AQID/w=='))).toEqual([1, 2, 3, 255]);
    expect(decodeBase64Strict('').length).toBe(0);
  });
});

describe('outbound messages', () => {
  it('media carries raw bytes as base64 and round-trips as JSON', () => {
    const bytes = Uint8Array.from([0xff, 0x7f, 0x00, 0x80]);
    const raw = serializeMedia(SID, bytes);
    expect(JSON.parse(raw)).toEqual({ event: 'media', streamSid: SID, media: { payload: '/38AgA==' } });
  });

  it('media of a subarray encodes only that view', () => {
    const big = Uint8Array.from({ length: 10 }, (_, i) => i);
    const msg = JSON.parse(serializeMedia(SID, big.subarray(2, 5))) as { media: { payload: string } };
    expect(Array.from(Buffer.from(msg.media.payload, 'base64'))).toEqual([2, 3, 4]);
  });

  it('streamSid and mark names are JSON-escaped', () => {
    const odd = 'MZ"\\\n';
    expect((JSON.parse(serializeMedia(odd, new Uint8Array(1))) as { streamSid: string }).streamSid).toBe(odd);
    expect(JSON.parse(serializeMark(SID, 'r"1:0'))).toEqual({ event: 'mark', streamSid: SID, mark: { name: 'r"1:0' } });
  });

  it('clear', () => {
    expect(JSON.parse(serializeClear(SID))).toEqual({ event: 'clear', streamSid: SID });
  });

  it('outbound media parses back as an inbound-shaped payload (symmetry of base64)', () => {
    const bytes = Uint8Array.from({ length: 160 }, (_, i) => i);
    const out = JSON.parse(serializeMedia(SID, bytes)) as { media: { payload: string } };
    const ev = parseInbound(withMedia({ payload: out.media.payload }));
    expect(Array.from((ev as { payload: Uint8Array }).payload)).toEqual(Array.from(bytes));
  });
});
