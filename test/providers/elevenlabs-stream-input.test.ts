import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ElevenLabsSynthesizer } from '../../src/providers/elevenlabs/elevenlabs-tts.js';
import type { ElevenLabsTtsConfig } from '../../src/providers/elevenlabs/config.js';
import { wsBaseFor } from '../../src/providers/elevenlabs/config.js';
import { endsSentence } from '../../src/providers/elevenlabs/stream-input.js';
import { ProviderError } from '../../src/providers/errors.js';
import { sleep } from '../../src/lib/abort.js';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import type { ElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';

const KEY = 'ws-key';
let sim: ElevenLabsSim;
beforeAll(async () => {
  sim = await startElevenLabsSim({ apiKey: KEY, chunkBytes: 800, chunkIntervalMs: 5 });
});
afterAll(() => sim.close());
afterEach(() => sim.faults.reset());

const tts = (over: Partial<ElevenLabsTtsConfig> = {}) =>
  new ElevenLabsSynthesizer({ apiKey: KEY, baseUrl: sim.baseUrl, firstByteTimeoutMs: 2000, stallTimeoutMs: 2000, ...over });

async function* pieces(list: string[], gapMs = 0): AsyncGenerator<string> {
  for (const p of list) {
    if (gapMs) await sleep(gapMs);
    yield p;
  }
}

const total = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.byteLength, 0);

describe('stream-input WebSocket', () => {
  it('derives the socket origin from the base URL', () => {
    expect(wsBaseFor('http://127.0.0.1:9999')).toBe('ws://127.0.0.1:9999');
    expect(wsBaseFor('https://api.elevenlabs.io/')).toBe('wss://api.elevenlabs.io');
    expect(endsSentence('Hello there.')).toBe(true);
    expect(endsSentence('Really?" ')).toBe(true);
    expect(endsSentence('line\n')).toBe(true);
    expect(endsSentence('Tell me about')).toBe(false);
  });

  it('sends Init, text pieces with flush at sentence ends, Close, and yields audio until isFinal', async () => {
    const list = ['Hello there.', 'Tell me about', 'your last role?', 'Take your time\n'];
    const chunks: Uint8Array[] = [];
    const firstBytes: number[] = [];
    for await (const c of tts({ chunkLengthSchedule: [50] }).synthesizeStream(pieces(list, 10), {
      voiceId: 'v1',
      onFirstByte: (ms) => firstBytes.push(ms),
    })) {
      chunks.push(c);
    }
    const req = sim.requests.at(-1)!;
    expect(req).toMatchObject({
      transport: 'ws',
      voiceId: 'v1',
      apiKey: KEY,
      modelId: 'eleven_flash_v2_5',
      outputFormat: 'ulaw_8000',
      inactivityTimeoutS: 20,
      outcome: 'completed',
      flushes: 3,
    });
    // No permessage-deflate offer (base64 audio barely compresses; ws queues all of a process's zlib work).
    expect(req.extensionsOffered).toBeUndefined();
    expect(req.messages).toEqual([
      { text: ' ', generation_config: { chunk_length_schedule: [50] } },
      { text: 'Hello there. ', flush: true },
      { text: 'Tell me about ' },
      { text: 'your last role? ', flush: true },
      { text: 'Take your time\n ', flush: true },
      { text: '' },
    ]);
    // All the text was spoken: 60 ms (480 bytes) per character sent.
    expect(total(chunks)).toBe(req.text.length * 480);
    expect(firstBytes).toHaveLength(1);
  });

  it('stops on abort: no more chunks, socket closed, text source released', async () => {
    const controller = new AbortController();
    let sourceFinished = false;
    async function* slowSource() {
      try {
        yield 'First sentence is here.';
        await sleep(60_000, controller.signal).catch(() => {});
        yield 'Never sent.';
      } finally {
        sourceFinished = true;
      }
    }
    const seen: Uint8Array[] = [];
    for await (const c of tts().synthesizeStream(slowSource(), { signal: controller.signal })) {
      seen.push(c);
      controller.abort();
    }
    expect(seen).toHaveLength(1);
    const req = sim.requests.at(-1)!;
    expect(await sim.settled(req)).toBe('client_closed');
    expect(req.text).toBe('First sentence is here. ');
    await sleep(20);
    expect(sourceFinished).toBe(true);
  });

  it('maps a handshake 401 to auth', async () => {
    const err = await failure(tts({ apiKey: 'nope' }).synthesizeStream(pieces(['Hi.'])));
    expect(err).toMatchObject({ kind: 'auth', status: 401 });
  });

  it('maps a handshake 503 to server', async () => {
    sim.faults.once({ status: 503 });
    expect(await failure(tts().synthesizeStream(pieces(['Hi.'])))).toMatchObject({ kind: 'server', status: 503 });
  });

  it('maps a dropped socket to connection', async () => {
    sim.faults.once({ dropAfterChunks: 1 });
    expect((await failure(tts().synthesizeStream(pieces(['A longer sentence to speak.'])))).kind).toBe('connection');
  });

  it('maps a slow first byte after the flush to timeout', async () => {
    sim.faults.once({ firstChunkDelayMs: 5000 });
    const err = await failure(tts({ firstByteTimeoutMs: 200 }).synthesizeStream(pieces(['Hello.'])));
    expect(err.kind).toBe('timeout');
    expect(await sim.settled(sim.requests.at(-1)!)).toBe('client_closed');
  });

  it('maps a stall after the input closed to timeout', async () => {
    sim.faults.once({ stallAfterChunks: 1 });
    const err = await failure(tts({ stallTimeoutMs: 250 }).synthesizeStream(pieces(['A longer sentence to speak.'])));
    expect(err.kind).toBe('timeout');
  });

  it('passes the text source’s own error through', async () => {
    async function* broken(): AsyncGenerator<string> {
      yield 'Hello.';
      throw new ProviderError('openai', 'server', 'boom');
    }
    const err = await failure(tts().synthesizeStream(broken()));
    expect(err).toMatchObject({ provider: 'openai', kind: 'server' });
  });
});

async function failure(it: AsyncIterable<Uint8Array>): Promise<ProviderError> {
  try {
    for await (const _ of it) {
      /* drain */
    }
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected the stream to fail');
}
