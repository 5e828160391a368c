import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FallbackSynthesizer } from '../../src/providers/fallback/index.js';
import { ElevenLabsSynthesizer } from '../../src/providers/elevenlabs/index.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { SpeechSynthesizer } from '../../src/providers/tts.js';
import { FakeSynthesizer } from '../../src/providers/testing/index.js';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import type { ElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';

type Logged = { type: string; payload: Record<string, unknown> };
const KEY = 'k';
const TEXT = 'Could you walk me through that project?';

let sim: ElevenLabsSim;
beforeAll(async () => {
  sim = await startElevenLabsSim({ apiKey: KEY });
});
afterAll(() => sim.close());
const open: FallbackSynthesizer[] = [];
afterEach(() => {
  sim.faults.reset();
  open.splice(0).forEach((t) => t.close());
});

function setup(list: SpeechSynthesizer[], probeIntervalMs = 60_000) {
  const events: Logged[] = [];
  const tts = new FallbackSynthesizer(list, { probeIntervalMs, onEvent: (type, payload) => events.push({ type, payload }) });
  open.push(tts);
  return { tts, events };
}
const eleven = (over: { firstByteTimeoutMs?: number } = {}) =>
  new ElevenLabsSynthesizer({ apiKey: KEY, baseUrl: sim.baseUrl, firstByteTimeoutMs: 2000, ...over });

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of it) chunks.push(c);
  return concat(chunks);
}
async function* pieces(list: string[]): AsyncGenerator<string> {
  for (const p of list) yield p;
}

describe('FallbackSynthesizer', () => {
  it('speaks with the second synthesizer when ElevenLabs answers 500', async () => {
    const backup = new FakeSynthesizer({ name: 'espeak-fake' });
    const { tts, events } = setup([eleven(), backup]);
    sim.faults.once({ status: 500 });
    const firstBytes: number[] = [];

    const audio = await collect(tts.synthesize(TEXT, { onFirstByte: (ms) => firstBytes.push(ms) }));

    expect(audio).toEqual(backup.audioFor(TEXT));
    expect(backup.texts).toEqual([TEXT]);
    expect(firstBytes).toHaveLength(1);
    expect(sim.requests.at(-1)).toMatchObject({ status: 500, text: TEXT });
    expect(events.map((e) => e.type)).toEqual(['provider.unhealthy', 'provider.fallback']);
    expect(events[1]?.payload).toMatchObject({ port: 'tts', from: 'elevenlabs', to: 'espeak-fake', kind: 'server' });
    expect(tts.isHealthy('elevenlabs')).toBe(false);
  });

  it('uses ElevenLabs when it is healthy', async () => {
    const backup = new FakeSynthesizer();
    const { tts, events } = setup([eleven(), backup]);
    const audio = await collect(tts.synthesize(TEXT));
    expect(audio.byteLength).toBe(TEXT.length * 480);
    expect(backup.texts).toEqual([]);
    expect(events).toEqual([]);
  });

  it('rethrows an error after the first byte instead of switching voices mid-utterance', async () => {
    const primary = new FakeSynthesizer({ name: 'primary' }).failNext(new ProviderError('primary', 'connection', 'dropped'), 2);
    const backup = new FakeSynthesizer({ name: 'backup' });
    const { tts, events } = setup([primary, backup]);
    const chunks: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const c of tts.synthesize(TEXT)) chunks.push(c);
      })(),
    ).rejects.toMatchObject({ kind: 'connection' });
    expect(chunks).toHaveLength(2);
    expect(backup.texts).toEqual([]);
    expect(events).toEqual([]);
  });

  it('switches on a slow first byte, and the probe restores ElevenLabs once it answers again', async () => {
    const backup = new FakeSynthesizer({ name: 'backup' });
    let restored!: () => void;
    const restoredEvent = new Promise<void>((r) => (restored = r));
    const events: Logged[] = [];
    const tts = new FallbackSynthesizer([eleven(), backup], {
      firstByteTimeoutMs: 200,
      probeIntervalMs: 30,
      onEvent: (type, payload) => {
        events.push({ type, payload });
        if (type === 'provider.restored') restored();
      },
    });
    open.push(tts);
    sim.faults.once({ firstChunkDelayMs: 5000 });

    expect(await collect(tts.synthesize(TEXT))).toEqual(backup.audioFor(TEXT));
    expect(events.find((e) => e.type === 'provider.fallback')?.payload).toMatchObject({ kind: 'timeout' });
    await restoredEvent;
    expect(tts.isHealthy('elevenlabs')).toBe(true);
    expect(sim.requests.at(-1)?.text).toBe('OK.');

    const before = backup.texts.length;
    expect((await collect(tts.synthesize(TEXT))).byteLength).toBe(TEXT.length * 480);
    expect(backup.texts.length).toBe(before);
  });

  it('replays already-read text pieces to the next synthesizer in streamed mode', async () => {
    const backup = new FakeSynthesizer({ name: 'backup' });
    const { tts, events } = setup([eleven(), backup]);
    sim.faults.once({ status: 503 });
    const list = ['Thanks.', 'Next question:', 'why Python?'];
    const audio = await collect(tts.synthesizeStream(pieces(list)));
    expect(backup.texts).toEqual(list);
    expect(audio).toEqual(concat(list.map((p) => backup.audioFor(p))));
    expect(events.find((e) => e.type === 'provider.fallback')?.payload).toMatchObject({ kind: 'server' });
  });

  it('does not fail over when the text source itself fails', async () => {
    const primary = new FakeSynthesizer({ name: 'primary' });
    const backup = new FakeSynthesizer({ name: 'backup' });
    const { tts, events } = setup([primary, backup]);
    const llmError = new ProviderError('openai', 'server', 'stream broke');
    async function* broken(): AsyncGenerator<string> {
      yield 'First.';
      throw llmError;
    }
    await expect(collect(tts.synthesizeStream(broken()))).rejects.toBe(llmError);
    expect(backup.texts).toEqual([]);
    expect(events).toEqual([]);
  });

  it('stops quietly on abort before the first byte, without failing over', async () => {
    const primary = new FakeSynthesizer({ name: 'primary', firstByteDelayMs: 5000 });
    const backup = new FakeSynthesizer({ name: 'backup' });
    const { tts, events } = setup([primary, backup]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect((await collect(tts.synthesize(TEXT, { signal: controller.signal }))).byteLength).toBe(0);
    expect(backup.texts).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe('one health board per process', () => {
  it('an outage found on one call spares the next call the timeout; the process board keeps probing after the call ends', async () => {
    const { ttsHealthBoard } = await import('../../src/providers/fallback/index.js');
    const primary = eleven({ firstByteTimeoutMs: 5000 });
    const local = new FakeSynthesizer({ name: 'local' });
    const processEvents: string[] = [];
    const board = ttsHealthBoard([primary, local], { probeIntervalMs: 60_000, onEvent: (type) => processEvents.push(type) });
    try {
      // Call 1 finds ElevenLabs down (a 503) and falls back; its own log has the switch.
      sim.faults.always({ status: 503 });
      const call1: Logged[] = [];
      const tts1 = new FallbackSynthesizer([primary, local], { board, onEvent: (type, payload) => call1.push({ type, payload }) });
      expect((await collect(tts1.synthesize(TEXT))).byteLength).toBeGreaterThan(0);
      expect(call1.map((e) => e.type)).toEqual(expect.arrayContaining(['provider.unhealthy', 'provider.fallback']));
      tts1.close(); // the call ends: the shared entry must stay unhealthy and keep its probe
      expect(board.isHealthy(primary.name)).toBe(false);
      expect(board.status().find((s) => s.name === primary.name)?.probing).toBe(true);

      // Call 2 goes straight to the local voice: no request to ElevenLabs at all.
      const before = sim.requests.length;
      const call2: Logged[] = [];
      const tts2 = new FallbackSynthesizer([primary, local], { board, onEvent: (type, payload) => call2.push({ type, payload }) });
      open.push(tts2);
      const startedAt = performance.now();
      expect((await collect(tts2.synthesize(TEXT))).byteLength).toBeGreaterThan(0);
      expect(performance.now() - startedAt).toBeLessThan(2000);
      expect(sim.requests.length).toBe(before);
      expect(processEvents).toContain('provider.unhealthy');
    } finally {
      board.close();
    }
  });
});
