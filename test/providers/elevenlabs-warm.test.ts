/**
 * Stream-input sockets opened ahead of a sentence (warm-sockets.ts), against the ElevenLabs simulator's wire
 * protocol: the sentence goes over the prepared socket, an unused one is closed when its reply ends, one that dies
 * before its first audio costs the sentence nothing (it goes over HTTP), and a reply player that is interrupted or
 * finishes leaves no socket open.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ElevenLabsSynthesizer } from '../../src/providers/elevenlabs/elevenlabs-tts.js';
import type { ElevenLabsTtsConfig } from '../../src/providers/elevenlabs/config.js';
import { startElevenLabsSim, type ElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import { resolveElevenLabsConfig } from '../../src/providers/elevenlabs/config.js';
import { streamInput, streamInputUrl } from '../../src/providers/elevenlabs/stream-input.js';
import WebSocket from 'ws';
import { waitFor } from '../helpers/wait-for.js';
import { ReplyPlayer } from '../../src/voice/reply-player.js';
import type { CallTransport } from '../../src/voice/types.js';

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

const total = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.byteLength, 0);

const until = async (cond: () => boolean, timeoutMs = 3000) => expect(await waitFor(async () => cond(), Boolean, timeoutMs, 5)).toBe(true);

describe('ElevenLabs: sockets opened ahead of the sentence', () => {
  it('a warmed sentence goes over the socket opened ahead, with the same audio as over HTTP', async () => {
    const t = tts();
    const from = sim.requests.length;
    t.warm({ voiceId: 'voice-w' });
    // The connection is made before the text exists.
    await until(() => sim.requests.slice(from).some((r) => r.transport === 'ws' && r.status === 101));
    const firstBytes: number[] = [];
    const chunks = await collect(t.synthesize(TEXT, { voiceId: 'voice-w', onFirstByte: (ms) => firstBytes.push(ms) }));
    expect(firstBytes).toHaveLength(1);
    const mine = sim.requests.slice(from);
    // The stream-input protocol sends text pieces ending in a space; the simulator voices it too (60 ms a character).
    expect(mine[0]!.text).toBe(`${TEXT} `);
    expect(total(chunks)).toBe((TEXT.length + 1) * BYTES_PER_CHAR);
    expect(mine.map((r) => r.transport)).toEqual(['ws']);
    expect(mine[0]).toMatchObject({ voiceId: 'voice-w', apiKey: KEY, outcome: 'completed' });
    // No permessage-deflate offer: base64 audio barely compresses, and ws queues all of a process's zlib work.
    expect(mine[0]!.extensionsOffered).toBeUndefined();
    expect(t.warmSocketsHeld).toBe(0);
    t.close();
  });

  it('without a warmed socket for the voice the sentence goes over HTTP', async () => {
    const t = tts();
    const from = sim.requests.length;
    t.warm({ voiceId: 'other-voice' });
    await collect(t.synthesize(TEXT, { voiceId: 'voice-h' }));
    expect(sim.requests.slice(from).find((r) => r.voiceId === 'voice-h')?.transport).toBe('http');
    expect(t.warmSocketsHeld).toBe(1);
    t.close();
    expect(t.warmSocketsHeld).toBe(0);
  });

  it('an unused socket is closed when its owner signal aborts (the reply ended)', async () => {
    const t = tts();
    const from = sim.requests.length;
    const owner = new AbortController();
    t.warm({ signal: owner.signal });
    await until(() => sim.requests.slice(from).some((r) => r.status === 101));
    expect(t.warmSocketsHeld).toBe(1);
    owner.abort();
    expect(t.warmSocketsHeld).toBe(0);
    await until(() => sim.requests[from]!.outcome === 'client_closed');
    // Aborted before it was asked: nothing is opened.
    t.warm({ signal: owner.signal });
    expect(t.warmSocketsHeld).toBe(0);
  });

  it('a socket the server closed while it waited is dropped; the sentence goes over HTTP', async () => {
    const t = tts({ inactivityTimeoutS: 1 });
    const from = sim.requests.length;
    t.warm();
    await until(() => sim.requests.slice(from).some((r) => r.status === 101));
    // The simulator, like ElevenLabs, closes a socket that gets no text within the inactivity timeout.
    await until(() => t.warmSocketsHeld === 0, 4000);
    const chunks = await collect(t.synthesize(TEXT));
    expect(total(chunks)).toBe(TEXT.length * BYTES_PER_CHAR);
    expect(sim.requests.at(-1)!.transport).toBe('http');
    expect(t.preparedFailures).toBe(0);
  });

  it('a prepared socket that fails before its first audio costs the sentence nothing: it goes over HTTP', async () => {
    const t = tts();
    const from = sim.requests.length;
    // The fault belongs to the socket opened ahead: dropped before its first chunk.
    sim.faults.once({ dropAfterChunks: 0 });
    t.warm();
    await until(() => sim.requests.slice(from).some((r) => r.status === 101));
    const chunks = await collect(t.synthesize(TEXT));
    expect(total(chunks)).toBe(TEXT.length * BYTES_PER_CHAR);
    expect(sim.requests.slice(from).map((r) => r.transport)).toEqual(['ws', 'http']);
    expect(t.preparedFailures).toBe(1);
  });

  it('a prepared socket handed over with an aborted signal is closed quietly, even while still opening', async () => {
    const config = resolveElevenLabsConfig({ apiKey: KEY, baseUrl: sim.baseUrl });
    const ws = new WebSocket(streamInputUrl(config, config.voiceId), { headers: { 'xi-api-key': KEY } });
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    const aborted = AbortSignal.abort();
    const chunks = await collect(streamInput(config, (async function* () { yield TEXT; })(), { signal: aborted }, ws));
    expect(chunks).toEqual([]);
    await until(() => ws.readyState === WebSocket.CLOSED);
  });

  it('after audio, a failure of the prepared socket is the provider’s and is thrown', async () => {
    const t = tts();
    const from = sim.requests.length;
    sim.faults.once({ dropAfterChunks: 2 });
    t.warm();
    await until(() => sim.requests.slice(from).some((r) => r.status === 101));
    const got: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const c of t.synthesize(TEXT)) got.push(c);
      })(),
    ).rejects.toMatchObject({ kind: 'connection' });
    expect(total(got)).toBe(1600);
    expect(sim.requests.slice(from).map((r) => r.transport)).toEqual(['ws']);
  });
});

describe('ReplyPlayer with ElevenLabs: each reply warms its sentences and leaves nothing open', () => {
  const transport = (): CallTransport & { frames: number; marks: string[] } => {
    const t = {
      frames: 0,
      marks: [] as string[],
      sendAudio: () => {
        t.frames++;
      },
      sendMark: (name: string) => t.marks.push(name),
      sendClear: () => undefined,
      close: () => undefined,
    };
    return t;
  };

  it('a reply heard in full: every sentence over a prepared socket, none left open', async () => {
    const t = tts();
    const wire = transport();
    const player = new ReplyPlayer(wire, t, { maxLeadMs: 60_000 });
    const from = sim.requests.length;
    const sentences = ['Hello there.', 'Tell me about a project.', 'Take your time.'];
    async function* slowly() {
      for (const s of sentences) {
        // The model is still writing: the socket for each sentence is made meanwhile.
        await new Promise((r) => setTimeout(r, 40));
        yield s;
      }
    }
    const done = player.play('r1', slowly());
    // The carrier echoes every mark once its audio has played.
    const echo = setInterval(() => {
      for (const m of wire.marks.splice(0)) player.onMarkEcho(m);
    }, 5);
    const outcome = await done;
    clearInterval(echo);
    expect(outcome.completed).toBe(true);
    expect(outcome.heardSentences).toEqual(sentences);
    const mine = sim.requests.slice(from);
    // Three sentences over prepared sockets; the one warmed for a fourth sentence that never came was closed.
    expect(mine.filter((r) => r.outcome === 'completed').map((r) => r.transport)).toEqual(['ws', 'ws', 'ws']);
    expect(mine.every((r) => r.transport === 'ws')).toBe(true);
    expect(t.warmSocketsHeld).toBe(0);
    player.close();
  });

  it('interrupted after the first audio (barge-in, or the caller hung up): no socket is left open', async () => {
    const t = tts();
    const wire = transport();
    const player = new ReplyPlayer(wire, t, { maxLeadMs: 60_000 });
    const from = sim.requests.length;
    const done = player.play('r2', ['First sentence here.', 'Second one.', 'Third one.']);
    await until(() => wire.frames > 0);
    player.interrupt();
    const outcome = await done;
    expect(outcome.interrupted).toBe(true);
    expect(t.warmSocketsHeld).toBe(0);
    await until(() => sim.requests.slice(from).every((r) => r.outcome !== 'open'));
    player.close();
  });
});
