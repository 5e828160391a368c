import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import alawmulaw from 'alawmulaw';
import WebSocket from 'ws';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import type { ElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import { pseudoSpeechMulaw } from '../../src/providers/testing/pseudo-speech.js';

const KEY = 'sim-key';
let sim: ElevenLabsSim;
beforeAll(async () => {
  sim = await startElevenLabsSim({ apiKey: KEY, chunkBytes: 400 });
});
afterAll(() => sim.close());
afterEach(() => sim.faults.reset());

const post = (text: string, format: string | null = 'ulaw_8000', key = KEY) =>
  fetch(`${sim.baseUrl}/v1/text-to-speech/voice1/stream${format ? `?output_format=${format}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'xi-api-key': key },
    body: JSON.stringify({ text, model_id: 'eleven_flash_v2_5' }),
  });

const rms = (mulaw: Uint8Array) => {
  const pcm = alawmulaw.mulaw.decode(mulaw);
  return Math.sqrt(pcm.reduce((s, x) => s + x * x, 0) / pcm.length);
};

describe('ElevenLabs simulator: HTTP stream', () => {
  it('streams deterministic, non-silent mu-law whose length follows the text', async () => {
    const short = new Uint8Array(await (await post('Hi there.')).arrayBuffer());
    const res = await post('Hi there, how are you?');
    expect(res.status).toBe(200);
    const long = new Uint8Array(await res.arrayBuffer());
    expect(short.byteLength).toBe('Hi there.'.length * 480);
    expect(long.byteLength).toBe('Hi there, how are you?'.length * 480);
    expect(rms(long)).toBeGreaterThan(500);
    expect(new Uint8Array(await (await post('Hi there.')).arrayBuffer())).toEqual(short);
    expect(sim.requests.at(-2)).toMatchObject({ transport: 'http', voiceId: 'voice1', modelId: 'eleven_flash_v2_5', outcome: 'completed' });
  });

  it('rejects other output formats with 422, as the real API does', async () => {
    for (const format of ['mp3_44100_128', null]) {
      const res = await post('Hello.', format);
      expect(res.status).toBe(422);
      const body = (await res.json()) as { detail: { loc: string[] }[] };
      expect(body.detail[0]?.loc).toEqual(['query', 'output_format']);
    }
  });

  it('checks the xi-api-key header', async () => {
    const res = await post('Hello.', 'ulaw_8000', 'wrong');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
  });

  it('answers a status fault with an ElevenLabs-shaped body, once', async () => {
    sim.faults.once({ status: 429 });
    const res = await post('Hello.');
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ detail: { status: 'too_many_concurrent_requests' } });
    expect((await post('Hello.')).status).toBe(200);
  });

  it('reports each generation\'s first chunk: intended wait and what it took', async () => {
    const observed: { text: string; intendedMs: number; actualMs: number }[] = [];
    const timed = await startElevenLabsSim({ latency: { firstChunkMs: 80 }, onFirstChunk: (o) => observed.push(o) });
    try {
      const res = await fetch(`${timed.baseUrl}/v1/text-to-speech/voice1/stream?output_format=ulaw_8000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Hello k1x2.' }),
      });
      await res.arrayBuffer();
      expect(observed).toEqual([{ text: 'Hello k1x2.', intendedMs: 80, actualMs: expect.any(Number) }]);
      expect(observed[0]!.actualMs).toBeGreaterThanOrEqual(79);
    } finally {
      await timed.close();
    }
  });

  it('with preciseLatency: the first chunk never before the intended wait, and the audio in order', async () => {
    const observed: { text: string; intendedMs: number; actualMs: number }[] = [];
    const timed = await startElevenLabsSim({ latency: { firstChunkMs: 40 }, chunkBytes: 400, preciseLatency: true, onFirstChunk: (o) => observed.push(o) });
    try {
      for (const text of ['Hello k1x2.', 'A longer sentence, several chunks of it.']) {
        const res = await fetch(`${timed.baseUrl}/v1/text-to-speech/voice1/stream?output_format=ulaw_8000`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(pseudoSpeechMulaw(text));
      }
      expect(observed.map((o) => [o.text, o.intendedMs])).toEqual([['Hello k1x2.', 40], ['A longer sentence, several chunks of it.', 40]]);
      for (const o of observed) expect(o.actualMs).toBeGreaterThanOrEqual(o.intendedMs);
    } finally {
      await timed.close();
    }
  });

  it('delays the first chunk by the fault delay', async () => {
    sim.faults.once({ firstChunkDelayMs: 150 });
    const started = performance.now();
    const res = await post('Hello.');
    const reader = res.body!.getReader();
    await reader.read();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await reader.cancel();
  });

  it('drops the connection after N chunks', async () => {
    sim.faults.once({ dropAfterChunks: 1 });
    const res = await post('A sentence long enough for several chunks.');
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(sim.requests.at(-1)).toMatchObject({ outcome: 'dropped', chunksSent: 1 });
  });
});

describe('ElevenLabs simulator: stream-input WebSocket', () => {
  function connect(query = 'model_id=eleven_flash_v2_5&output_format=ulaw_8000'): Promise<WebSocket> {
    const ws = new WebSocket(`${sim.baseUrl.replace('http', 'ws')}/v1/text-to-speech/v2/stream-input?${query}`, {
      headers: { 'xi-api-key': KEY },
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }
  type Msg = { audio?: string; isFinal?: boolean; alignment?: { chars: string[]; charStartTimesMs: number[]; charDurationsMs: number[] } };

  it('buffers text until a flush, answers audio with alignment, then isFinal and a clean close', async () => {
    const ws = await connect();
    const messages: Msg[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Msg));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));

    ws.send(JSON.stringify({ text: ' ' }));
    ws.send(JSON.stringify({ text: 'Hello ' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toEqual([]);
    ws.send(JSON.stringify({ text: 'there. ', flush: true }));
    ws.send(JSON.stringify({ text: '' }));
    expect(await closed).toBe(1000);

    const audio = messages.filter((m) => m.audio);
    expect(messages.at(-1)).toEqual({ isFinal: true });
    const bytes = audio.reduce((n, m) => n + Buffer.from(m.audio!, 'base64').byteLength, 0);
    expect(bytes).toBe('Hello there. '.length * 480);
    expect(audio.flatMap((m) => m.alignment!.chars).join('')).toBe('Hello there. ');
    expect(audio[0]?.alignment?.charDurationsMs[0]).toBe(60);
    expect(sim.requests.at(-1)).toMatchObject({ transport: 'ws', voiceId: 'v2', text: 'Hello there. ', flushes: 1, outcome: 'completed' });
  });

  it('with preciseLatency: the first chunk never before the intended wait, then alignment in order and isFinal', async () => {
    const observed: { text: string; intendedMs: number; actualMs: number }[] = [];
    const timed = await startElevenLabsSim({ latency: { firstChunkMs: 40 }, chunkBytes: 400, preciseLatency: true, onFirstChunk: (o) => observed.push(o) });
    try {
      const ws = new WebSocket(`${timed.baseUrl.replace('http', 'ws')}/v1/text-to-speech/v2/stream-input?output_format=ulaw_8000`);
      const messages: Msg[] = [];
      ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Msg));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ text: ' ' }));
      ws.send(JSON.stringify({ text: 'Hello there, ', flush: true }));
      ws.send(JSON.stringify({ text: 'how are you? ', flush: true }));
      ws.send(JSON.stringify({ text: '' }));
      expect(await closed).toBe(1000);

      expect(messages.at(-1)).toEqual({ isFinal: true });
      const audio = messages.filter((m) => m.audio);
      expect(audio.flatMap((m) => m.alignment!.chars).join('')).toBe('Hello there, how are you? ');
      // The first generation waits the latency; the second follows on the same stream without one.
      expect(observed.map((o) => [o.text, o.intendedMs])).toEqual([['Hello there, ', 40], ['how are you? ', 0]]);
      expect(observed[0]!.actualMs).toBeGreaterThanOrEqual(40);
    } finally {
      await timed.close();
    }
  });

  it('starts generating on its own once chunk_length_schedule characters are buffered', async () => {
    const ws = await connect();
    const got = new Promise<Msg>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()) as Msg)));
    ws.send(JSON.stringify({ text: ' ', generation_config: { chunk_length_schedule: [20] } }));
    ws.send(JSON.stringify({ text: 'This has more than twenty characters ' }));
    expect((await got).audio).toBeTruthy();
    ws.close();
  });

  it('refuses the handshake with the fault status or a wrong format', async () => {
    sim.faults.once({ status: 500 });
    await expect(connect()).rejects.toThrow(/500/);
    await expect(connect('output_format=pcm_16000')).rejects.toThrow(/422/);
  });
});
