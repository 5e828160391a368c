import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { ElevenLabsSynthesizer } from '../../src/providers/elevenlabs/elevenlabs-tts.js';
import type { ElevenLabsTtsConfig } from '../../src/providers/elevenlabs/config.js';
import { ProviderError } from '../../src/providers/errors.js';
import { MULAW_SILENCE } from '../../src/providers/testing/pseudo-speech.js';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import type { ElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';

const KEY = 'test-key';
const TEXT = 'Thanks for taking the call today.';
const BYTES_PER_CHAR = 480; // 60 ms per character at 8 kHz

let sim: ElevenLabsSim;
beforeAll(async () => {
  sim = await startElevenLabsSim({ apiKey: KEY, chunkBytes: 800, chunkIntervalMs: 5 });
});
afterAll(() => sim.close());
afterEach(() => sim.faults.reset());

const tts = (over: Partial<ElevenLabsTtsConfig> = {}) =>
  new ElevenLabsSynthesizer({ apiKey: KEY, baseUrl: sim.baseUrl, firstByteTimeoutMs: 2000, stallTimeoutMs: 2000, ...over });

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function failure(it: AsyncIterable<Uint8Array>): Promise<{ err: ProviderError; chunks: Uint8Array[] }> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const c of it) chunks.push(c);
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return { err: err as ProviderError, chunks };
  }
  throw new Error('expected the stream to fail');
}

const total = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.byteLength, 0);

describe('ElevenLabsSynthesizer.synthesize (real SDK against the simulator)', () => {
  it('streams ulaw_8000 audio and sends model, format and latency settings', async () => {
    const firstBytes: number[] = [];
    const chunks = await collect(tts().synthesize(TEXT, { voiceId: 'voice-x', onFirstByte: (ms) => firstBytes.push(ms) }));

    expect(total(chunks)).toBe(TEXT.length * BYTES_PER_CHAR);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.some((c) => c.some((b) => b !== MULAW_SILENCE))).toBe(true);
    expect(firstBytes).toHaveLength(1);
    expect(firstBytes[0]).toBeGreaterThanOrEqual(0);

    const req = sim.requests.at(-1)!;
    expect(req).toMatchObject({
      transport: 'http',
      voiceId: 'voice-x',
      apiKey: KEY,
      text: TEXT,
      modelId: 'eleven_flash_v2_5',
      outputFormat: 'ulaw_8000',
      optimizeStreamingLatency: 3,
      outcome: 'completed',
    });
  });

  it('uses the configured default voice', async () => {
    await collect(tts({ voiceId: 'configured-voice', modelId: 'eleven_turbo_v2_5' }).synthesize('Hi.'));
    expect(sim.requests.at(-1)).toMatchObject({ voiceId: 'configured-voice', modelId: 'eleven_turbo_v2_5' });
  });

  it('stops quietly on abort mid-stream, yields nothing more, and closes the request', async () => {
    const controller = new AbortController();
    const long = 'This is a long answer that takes a while to say. '.repeat(6);
    const seen: Uint8Array[] = [];
    for await (const c of tts().synthesize(long, { signal: controller.signal })) {
      seen.push(c);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toHaveLength(2);
    const req = sim.requests.at(-1)!;
    expect(await sim.settled(req)).toBe('client_closed');
    expect(req.bytesSent).toBeLessThan(long.length * BYTES_PER_CHAR);
  });

  it('closes the request when the consumer stops early (break)', async () => {
    const long = 'Another long reply for the caller to hear in full. '.repeat(6);
    for await (const _ of tts().synthesize(long)) break;
    expect(await sim.settled(sim.requests.at(-1)!)).toBe('client_closed');
  });

  it('returns nothing when already aborted', async () => {
    const before = sim.requests.length;
    expect(await collect(tts().synthesize(TEXT, { signal: AbortSignal.abort() }))).toEqual([]);
    expect(sim.requests.length).toBe(before);
  });

  it('maps a wrong key (401) to auth, not retryable', async () => {
    const { err } = await failure(tts({ apiKey: 'wrong' }).synthesize(TEXT));
    expect(err).toMatchObject({ kind: 'auth', status: 401, retryable: false, provider: 'elevenlabs' });
    expect(err.message).toContain('invalid_api_key');
  });

  it.each([
    [429, 'rate_limit'],
    [500, 'server'],
    [503, 'server'],
  ] as const)('maps status %i to %s (no SDK retries)', async (status, kind) => {
    const before = sim.requests.length;
    sim.faults.once({ status });
    const { err } = await failure(tts().synthesize(TEXT));
    expect(err).toMatchObject({ kind, status, retryable: true });
    expect(sim.requests.length).toBe(before + 1);
  });

  it('maps a connection the server drops before answering to connection', async () => {
    sim.faults.once({ refuseConnection: true });
    const { err } = await failure(tts().synthesize(TEXT));
    expect(err.kind).toBe('connection');
  });

  it('maps a refused TCP connection to connection', async () => {
    const port = await closedPort();
    const { err } = await failure(tts({ baseUrl: `http://127.0.0.1:${port}` }).synthesize(TEXT));
    expect(err.kind).toBe('connection');
  });

  it('maps a slow first byte to timeout', async () => {
    sim.faults.once({ firstChunkDelayMs: 5000 });
    const { err, chunks } = await failure(tts({ firstByteTimeoutMs: 200 }).synthesize(TEXT));
    expect(err.kind).toBe('timeout');
    expect(chunks).toEqual([]);
    expect(await sim.settled(sim.requests.at(-1)!)).toBe('client_closed');
  });

  it('maps a stall mid-stream to timeout after the audio already received', async () => {
    sim.faults.once({ stallAfterChunks: 2 });
    const { err, chunks } = await failure(tts({ stallTimeoutMs: 250 }).synthesize(TEXT));
    expect(err.kind).toBe('timeout');
    expect(total(chunks)).toBe(1600);
    expect(await sim.settled(sim.requests.at(-1)!)).toBe('client_closed');
  });

  it('maps a connection dropped mid-stream to connection', async () => {
    sim.faults.once({ dropAfterChunks: 2 });
    const { err, chunks } = await failure(tts().synthesize(TEXT));
    expect(err.kind).toBe('connection');
    expect(total(chunks)).toBeLessThanOrEqual(1600);
  });
});

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
