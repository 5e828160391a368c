/** The Deepgram adapter's pure parts: wire mapping, replay buffer, event queue, URL handling. */
import { describe, expect, it } from 'vitest';
import { listenBase } from '../../src/providers/deepgram/deepgram-stt.js';
import { connectError, listenQuery, toSttEvent } from '../../src/providers/deepgram/deepgram-wire.js';
import { listenUrl } from '../../src/providers/deepgram/listen-socket.js';
import { EventQueue } from '../../src/providers/deepgram/event-queue.js';
import { ReplayBuffer } from '../../src/providers/deepgram/replay-buffer.js';

describe('deepgram wire', () => {
  it('builds the listen query from the stream options', () => {
    const q = listenQuery(
      {
        encoding: 'linear16',
        sampleRateHz: 16000,
        language: 'en-GB',
        keyterms: [' Kafka ', '', 'PostgreSQL'],
        callId: 'c9',
        utteranceEndMs: 1500,
      },
      { model: 'nova-3', endpointingMs: 300, utteranceEndMs: 1000 },
    );
    expect(q).toMatchObject({
      model: 'nova-3',
      encoding: 'linear16',
      sample_rate: 16000,
      language: 'en-GB',
      interim_results: 'true',
      vad_events: 'true',
      endpointing: 300,
      utterance_end_ms: 1500,
      keyterm: ['Kafka', 'PostgreSQL'],
      extra: ['call_id:c9'],
    });
    // keyterm prompting is nova-3 only; no call id → no extra
    const q2 = listenQuery(
      { encoding: 'mulaw', sampleRateHz: 8000, language: 'en-US', keyterms: ['x'] },
      { model: 'nova-2', endpointingMs: 10, utteranceEndMs: 1000 },
    );
    expect(q2.keyterm).toBeUndefined();
    expect(q2.extra).toBeUndefined();
  });

  it('maps Results onto the stream clock, preferring punctuated words', () => {
    const ev = toSttEvent(
      {
        type: 'Results',
        start: 1.5,
        duration: 0.8,
        is_final: true,
        speech_final: true,
        channel: {
          alternatives: [
            { transcript: 'Hi there.', confidence: 0.93, words: [
              { word: 'hi', punctuated_word: 'Hi', start: 1.5, end: 1.7, confidence: 0.9 },
              { word: 'there', punctuated_word: 'there.', start: 1.8, end: 2.2, confidence: 0.96 },
            ] },
          ],
        },
      },
      10_000,
    );
    expect(ev).toEqual({
      type: 'transcript',
      isFinal: true,
      speechFinal: true,
      fromFinalize: false,
      text: 'Hi there.',
      confidence: 0.93,
      words: [
        { word: 'Hi', startMs: 11_500, endMs: 11_700, confidence: 0.9 },
        { word: 'there.', startMs: 11_800, endMs: 12_200, confidence: 0.96 },
      ],
      startMs: 11_500,
      durationMs: 800,
    });
    expect(toSttEvent({ type: 'SpeechStarted', channel: [0], timestamp: 0.25 }, 100)).toEqual({ type: 'speech_started', atMs: 350 });
    expect(toSttEvent({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 2 }, 0)).toEqual({ type: 'utterance_end', lastWordEndMs: 2000 });
    expect(toSttEvent({ type: 'Metadata' }, 0)).toBeUndefined();
    expect(toSttEvent({ type: 'Results', is_final: false, channel: { alternatives: [{ transcript: '' }] } }, 0)).toBeUndefined();
    expect(toSttEvent('garbage', 0)).toBeUndefined();
  });

  it('maps connect failures to error kinds', () => {
    expect(connectError(new Error('Unexpected server response: 401'))).toMatchObject({ kind: 'auth', status: 401, retryable: false });
    expect(connectError(new Error('Unexpected server response: 429'))).toMatchObject({ kind: 'rate_limit', retryable: true });
    expect(connectError(new Error('Unexpected server response: 400'))).toMatchObject({ kind: 'bad_request', retryable: false });
    expect(connectError(new Error('Opening handshake has timed out'))).toMatchObject({ kind: 'timeout', retryable: true });
    expect(connectError(new Error('connect ECONNREFUSED 127.0.0.1:9'))).toMatchObject({ kind: 'connection', retryable: true });
  });

  it('writes the /v1/listen URL exactly as the official SDK (v5.13) did', () => {
    // Recorded from @deepgram/sdk 5.13's listen.v1.connect before we replaced it: repeated keys, %20 for spaces.
    const query = listenQuery(
      { encoding: 'mulaw', sampleRateHz: 8000, language: 'en-US', callId: 'c9', keyterms: ['Kafka', ' Postgre SQL ', ''] },
      { model: 'nova-3', endpointingMs: 300, utteranceEndMs: 1000 },
    );
    expect(listenUrl('ws://127.0.0.1:4000/', query)).toBe(
      'ws://127.0.0.1:4000/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000&channels=1&language=en-US' +
        '&interim_results=true&vad_events=true&smart_format=true&punctuate=true&endpointing=300&utterance_end_ms=1000' +
        '&keyterm=Kafka&keyterm=Postgre%20SQL&extra=call_id%3Ac9&tag=screenline',
    );
  });

  it('normalises DEEPGRAM_URL to the ws base the socket appends /v1/listen to', () => {
    expect(listenBase('wss://api.eu.deepgram.com')).toBe('wss://api.eu.deepgram.com');
    expect(listenBase('https://proxy.example/dg/')).toBe('wss://proxy.example/dg');
    expect(listenBase('ws://127.0.0.1:4000/v1/listen')).toBe('ws://127.0.0.1:4000');
    expect(() => listenBase('ftp://x')).toThrow();
  });
});

describe('ReplayBuffer', () => {
  it('keeps the newest audio up to its bound and copies what it is given', () => {
    const buf = new ReplayBuffer(8, 50); // mu-law 8 kHz: 8 bytes per ms, 50 ms = 400 bytes
    const chunk = new Uint8Array(300).fill(1);
    buf.push(chunk);
    chunk.fill(9); // the caller reuses its buffer
    buf.push(new Uint8Array(160).fill(2));
    expect(buf.bufferedMs).toBe(50);
    expect(buf.droppedMs).toBe(60 / 8);
    const out = buf.drain();
    expect(out.map((c) => c.byteLength)).toEqual([240, 160]);
    expect(out.some((c) => c.includes(9))).toBe(false);
    expect(out.at(-1)![0]).toBe(2);
    expect(buf.bufferedMs).toBe(0);
  });

  it('trims linear16 on sample boundaries', () => {
    const buf = new ReplayBuffer(32, 321 / 32, 2); // an odd byte bound
    buf.push(new Uint8Array(200));
    buf.push(new Uint8Array(200));
    const out = buf.drain();
    expect(out[0]!.byteLength % 2).toBe(0);
    expect(out.reduce((n, c) => n + c.byteLength, 0)).toBe(320);
  });
});

describe('EventQueue', () => {
  it('delivers queued items, then ends or throws once', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.push(2);
    q.fail(new Error('boom'));
    q.push(3); // ignored after the end
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of q) seen.push(n);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1, 2]);

    const q2 = new EventQueue<number>();
    const reading = (async () => {
      const got: number[] = [];
      for await (const n of q2) got.push(n);
      return got;
    })();
    q2.push(7);
    q2.end();
    expect(await reading).toEqual([7]);
  });

  it('clear() drops pending items (abort: nothing more is seen)', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.clear();
    const got: number[] = [];
    for await (const n of q) got.push(n);
    expect(got).toEqual([]);
  });
});
