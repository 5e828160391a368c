/** The caller simulator's pure parts: TwiML reading, the Twilio-side wire, and the agent playback model. */
import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { interpretTwiml, streamTargetError } from '../../src/sim/caller/dial.js';
import { AgentPlayback, type SpeakingInterval } from '../../src/sim/caller/playback.js';
import { parseTwiml, TwimlError } from '../../src/sim/caller/twiml.js';
import * as wire from '../../src/sim/caller/twilio-wire.js';
import { parseInbound } from '../../src/telephony/twilio/media-serializer.js';

describe('parseTwiml', () => {
  it('reads the twilio builder output for <Connect><Stream> with parameters', () => {
    const r = new twilio.twiml.VoiceResponse();
    const s = r.connect().stream({ url: 'wss://example.test/twilio/media' });
    s.parameter({ name: 'token', value: 'a&b"<c>' });
    s.parameter({ name: 'other', value: '' });
    r.say('after');
    expect(parseTwiml(r.toString())).toEqual([
      { verb: 'Connect', stream: { url: 'wss://example.test/twilio/media', name: undefined, parameters: { token: 'a&b"<c>', other: '' } } },
      { verb: 'Say', text: 'after', voice: undefined },
    ]);
  });

  it('reads Say/Hangup, comments, single quotes, numeric entities and CDATA', () => {
    const xml = `<?xml version="1.0"?>\n<!-- refuse --><Response>
      <Say voice='Polly.Joanna'>Sorry &#8212; we&apos;ll call <![CDATA[<back>]]>&#x21;</Say>
      <Pause length="2"/><Hangup/></Response>`;
    expect(parseTwiml(xml)).toEqual([
      { verb: 'Say', text: "Sorry — we'll call <back>!", voice: 'Polly.Joanna' },
      { verb: 'Pause', lengthSec: 2 },
      { verb: 'Hangup' },
    ]);
  });

  it('rejects malformed documents', () => {
    expect(() => parseTwiml('<Response><Say>hi</Response>')).toThrow(TwimlError);
    expect(() => parseTwiml('<Response><Say>hi</Say>')).toThrow(/unclosed/);
    expect(() => parseTwiml('<Other/>')).toThrow(/not <Response>/);
    expect(() => parseTwiml('<Response/><Response/>')).toThrow(/second root/);
    expect(() => parseTwiml('<Response><Say>&bogus;</Say></Response>')).toThrow(/entity/);
    expect(() => parseTwiml('hello')).toThrow(TwimlError);
  });

  it('interprets answers the way Twilio would', () => {
    expect(interpretTwiml(200, '<Response><Say>Bye</Say><Hangup/></Response>')).toMatchObject({ outcome: 'hangup', said: ['Bye'] });
    expect(interpretTwiml(200, '<Response></Response>')).toMatchObject({ outcome: 'hangup' });
    expect(interpretTwiml(200, '<Response><Connect/></Response>')).toMatchObject({ outcome: 'error' });
    expect(interpretTwiml(200, 'not xml')).toMatchObject({ outcome: 'error' });
    expect(interpretTwiml(200, '<Response><Connect><Stream url="ws://h/m"/></Connect></Response>')).toMatchObject({
      outcome: 'stream',
      stream: { url: 'ws://h/m', parameters: {} },
    });
  });
});

describe('streamTargetError', () => {
  it('refuses what Twilio refuses', () => {
    expect(streamTargetError({ url: 'wss://h/twilio/media', parameters: { token: 't' } })).toBeUndefined();
    expect(streamTargetError({ url: 'wss://h/twilio/media?token=t', parameters: {} })).toMatch(/31920/);
    expect(streamTargetError({ url: 'https://h/twilio/media', parameters: {} })).toMatch(/wss/);
    expect(streamTargetError({ url: 'wss://h/m', parameters: { token: 'x'.repeat(600) } })).toMatch(/500/);
  });
});

describe('Twilio-side wire', () => {
  const ids = { streamSid: wire.twilioSid('MZ'), accountSid: wire.twilioSid('AC'), callSid: wire.twilioSid('CA') };

  it('makes SIDs of the right shape', () => {
    expect(ids.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(ids.callSid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it('produces messages the server serializer accepts, with numbers as strings', () => {
    const start = JSON.parse(wire.startMessage(ids, 1, { token: 't' })) as Record<string, unknown>;
    expect(start.sequenceNumber).toBe('1');
    expect(parseInbound(wire.startMessage(ids, 1, { token: 't' }))).toMatchObject({
      event: 'start',
      callSid: ids.callSid,
      customParameters: { token: 't' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      tracks: ['inbound'],
    });
    const media = wire.mediaMessage(ids.streamSid, 7, 3, 40, new Uint8Array(160).fill(0x7f));
    expect(JSON.parse(media).media).toMatchObject({ track: 'inbound', chunk: '3', timestamp: '40' });
    const parsed = parseInbound(media);
    expect(parsed).toMatchObject({ event: 'media', sequenceNumber: 7, chunk: 3, timestampMs: 40 });
    expect(parseInbound(wire.markEchoMessage(ids.streamSid, 8, 'r1:0'))).toMatchObject({ event: 'mark', name: 'r1:0' });
    expect(parseInbound(wire.dtmfMessage(ids.streamSid, 9, '5'))).toMatchObject({ event: 'dtmf', digit: '5', track: 'inbound_track' });
    expect(parseInbound(wire.stopMessage(ids, 10))).toMatchObject({ event: 'stop', callSid: ids.callSid });
  });

  it('reads server messages strictly', () => {
    expect(wire.parseServerMessage('{"event":"media","streamSid":"MZ1","media":{"payload":"//8="}}')).toMatchObject({
      event: 'media',
      payload: new Uint8Array([0xff, 0xff]),
    });
    expect(wire.parseServerMessage('{"event":"clear","streamSid":"MZ1"}')).toEqual({ event: 'clear', streamSid: 'MZ1' });
    expect(() => wire.parseServerMessage('{"event":"media","streamSid":"MZ1","media":{"payload":"RIFF$$"}}')).toThrow(/base64/);
    expect(() => wire.parseServerMessage('{"event":"mark","streamSid":"MZ1"}')).toThrow(/mark.name/);
    expect(() => wire.parseServerMessage('{"event":"clear"}')).toThrow(/streamSid/);
    expect(() => wire.parseServerMessage('{"event":"start","streamSid":"MZ1"}')).toThrow(/unknown event/);
  });

  it('signs like Twilio (validateRequest accepts it)', () => {
    const url = 'http://127.0.0.1:1234/twilio/voice?interviewId=i%201';
    const params = { CallSid: 'CA1', From: '+1' };
    const sig = wire.signTwilioRequest('tok', url, params);
    expect(twilio.validateRequest('tok', sig, url, params)).toBe(true);
    expect(twilio.validateRequest('other', sig, url, params)).toBe(false);
  });
});

describe('AgentPlayback', () => {
  function setup(hangoverMs = 40) {
    const echoes: { names: string[]; viaClear: boolean; at: number }[] = [];
    const starts: SpeakingInterval[] = [];
    const stops: SpeakingInterval[] = [];
    let now = 0;
    const pb = new AgentPlayback(
      {
        onMarkEchoes: (names, viaClear) => echoes.push({ names, viaClear, at: now }),
        onSpeakingStart: (i) => starts.push(i),
        onSpeakingStop: (i) => stops.push({ ...i }),
      },
      160,
      8,
      hangoverMs,
    );
    const tick = () => {
      const f = pb.tick(now);
      now += 20;
      return f;
    };
    return { pb, echoes, starts, stops, tick, now: () => now };
  }
  const audio = (ms: number, byte = 0x10) => new Uint8Array(ms * 8).fill(byte);

  it('echoes a mark at once when nothing is queued or playing', () => {
    const { pb, echoes } = setup();
    pb.enqueueMark('idle');
    expect(echoes).toEqual([{ names: ['idle'], viaClear: false, at: 0 }]);
  });

  it('echoes a mark only after the audio before it has finished playing', () => {
    const { pb, echoes, tick } = setup();
    pb.enqueueAudio(audio(50)); // 2.5 frames
    pb.enqueueMark('m1');
    pb.enqueueAudio(audio(20, 0x20));
    pb.enqueueMark('m2');
    tick(); // 0-20
    tick(); // 20-40
    expect(echoes).toEqual([]);
    const third = tick(); // 40-60: last 10 ms of chunk 1, then 10 ms of chunk 2 (crossing m1)
    expect(Array.from(third.subarray(0, 80))).toEqual(new Array(80).fill(0x10));
    expect(Array.from(third.subarray(80))).toEqual(new Array(80).fill(0x20));
    expect(echoes).toEqual([]); // m1's audio is still playing during this frame
    tick(); // at 60: m1 is due; plays the last 10 ms of chunk 2
    expect(echoes.map((e) => e.names)).toEqual([['m1']]);
    expect(echoes[0]!.at).toBe(60);
    tick(); // at 80: m2
    expect(echoes.map((e) => e.names)).toEqual([['m1'], ['m2']]);
    expect(pb.heardBytes).toBe(70 * 8);
  });

  it('waits for the frame in flight before echoing a mark that arrives after all audio was handed over', () => {
    const { pb, echoes, tick } = setup();
    pb.enqueueAudio(audio(20));
    tick();
    pb.enqueueMark('late');
    expect(echoes).toEqual([]);
    tick();
    expect(echoes.map((e) => e.names)).toEqual([['late']]);
  });

  it('clear drops unplayed audio and echoes every pending mark at once', () => {
    const { pb, echoes, tick, stops } = setup();
    pb.enqueueAudio(audio(100));
    pb.enqueueMark('a');
    pb.enqueueAudio(audio(100));
    pb.enqueueMark('b');
    tick();
    tick();
    expect(pb.speaking).toBe(true);
    const dropped = pb.clear(40);
    expect(dropped).toBe(160);
    expect(echoes).toEqual([{ names: ['a', 'b'], viaClear: true, at: 40 }]);
    expect(pb.bufferedBytes).toBe(0);
    expect(pb.speaking).toBe(false);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ startMs: 0, endMs: 40, cleared: true, audioMs: 40 });
    expect(Array.from(tick())).toEqual(new Array(160).fill(0xff));
    expect(pb.heardBytes).toBe(40 * 8);
  });

  it('keeps one speaking interval across short gaps and ends it after the hangover', () => {
    const { pb, tick, starts, stops } = setup(40);
    pb.enqueueAudio(audio(40));
    tick();
    tick();
    tick(); // dry at 40
    pb.enqueueAudio(audio(20)); // arrives within the hangover
    tick(); // plays at 60
    expect(starts).toHaveLength(1);
    tick(); // dry at 80
    tick(); // 100
    expect(stops).toHaveLength(0);
    tick(); // 120: dry for 40 ms → stopped at 80
    expect(stops).toEqual([{ startMs: 0, endMs: 80, audioMs: 60, cleared: false }]);
    expect(pb.speaking).toBe(false);
    expect(pb.lastAudioEndMs).toBe(80);
  });
});
