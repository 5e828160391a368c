// Tests for the provider test doubles in src/providers/testing (they back the fallback tests and other stage tests).
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import type { ChatEvent } from '../../src/providers/llm.js';
import type { SttEvent } from '../../src/providers/stt.js';
import {
  FakeSpeechToText,
  FakeSynthesizer,
  MULAW_SILENCE,
  ScriptedChatModel,
  sttTranscript,
  textTurn,
} from '../../src/providers/testing/index.js';

describe('ScriptedChatModel', () => {
  it('plays turns in order, repeats the last, records requests', async () => {
    const model = new ScriptedChatModel({ turns: [textTurn('one two'), textTurn('three')] });
    const run = async () => {
      const out: ChatEvent[] = [];
      for await (const e of model.stream({ messages: [] })) out.push(e);
      return out;
    };
    expect(await run()).toEqual([
      { type: 'text', delta: 'one ' },
      { type: 'text', delta: 'two' },
      { type: 'done', finishReason: 'stop' },
    ]);
    expect((await run()).length).toBe(2);
    expect((await run()).length).toBe(2);
    expect(model.requests).toHaveLength(3);
  });

  it('stops quietly when aborted during a hang', async () => {
    const model = new ScriptedChatModel({ turns: [[{ type: 'text', delta: 'a' }, { type: 'hang' }]] });
    const controller = new AbortController();
    const out: ChatEvent[] = [];
    for await (const e of model.stream({ messages: [], signal: controller.signal })) {
      out.push(e);
      controller.abort();
    }
    expect(out).toHaveLength(1);
    expect(model.aborted).toBe(1);
  });
});

describe('FakeSynthesizer', () => {
  it('yields bytesPerChar mu-law bytes per character, non-silent, and records texts', async () => {
    const tts = new FakeSynthesizer({ bytesPerChar: 16, chunkBytes: 50 });
    const chunks: Uint8Array[] = [];
    for await (const c of tts.synthesize('hello')) chunks.push(c);
    expect(chunks.reduce((n, c) => n + c.byteLength, 0)).toBe(80);
    expect(chunks.some((c) => c.some((b) => b !== MULAW_SILENCE))).toBe(true);
    expect(tts.texts).toEqual(['hello']);
  });

  it('fails when told to, after the given number of chunks', async () => {
    const tts = new FakeSynthesizer({ chunkBytes: 10 }).failNext(new ProviderError('fake', 'server', 'x'), 1);
    const chunks: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const c of tts.synthesize('hello')) chunks.push(c);
      })(),
    ).rejects.toMatchObject({ kind: 'server' });
    expect(chunks).toHaveLength(1);
  });
});

describe('FakeSpeechToText', () => {
  it('emits pushed events, records audio and finalize, ends on close', async () => {
    const stt = new FakeSpeechToText();
    const stream = await stt.open({ encoding: 'mulaw', sampleRateHz: 8000, language: 'en-US' });
    stream.send(new Uint8Array(160));
    stream.finalize();
    const received: SttEvent[] = [];
    const done = (async () => {
      for await (const e of stream.events()) received.push(e);
    })();
    stream.push({ type: 'speech_started', atMs: 0 }, sttTranscript('I used Python', { speechFinal: true }));
    await new Promise((r) => setTimeout(r, 5));
    await stream.close();
    await done;
    expect(received.map((e) => e.type)).toEqual(['speech_started', 'transcript']);
    expect(received[1]).toMatchObject({ text: 'I used Python', isFinal: true, speechFinal: true });
    expect(stt.last?.sentBytes).toBe(160);
    expect(stt.last?.finalizeCalls).toBe(1);
  });

  it('fails events() when told to', async () => {
    const stt = new FakeSpeechToText();
    const stream = await stt.open({ encoding: 'linear16', sampleRateHz: 16000, language: 'en-US' });
    stream.fail(new ProviderError('fake', 'connection', 'gone'));
    await expect(
      (async () => {
        for await (const _ of stream.events()) {
          /* drain */
        }
      })(),
    ).rejects.toMatchObject({ kind: 'connection' });
  });
});
