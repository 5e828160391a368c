import { afterAll, describe, expect, it } from 'vitest';
import { decodeMulaw } from '../../src/audio/mulaw.js';
import { frameEnergyDb } from '../../src/audio/vad.js';
import {
  EspeakSynthesizer,
  closeSharedEspeak,
  sanitizeText,
  speakToPcm16,
  splitSentences,
} from '../../src/providers/local/espeak-tts.js';

const tts = new EspeakSynthesizer({ idleMs: 5_000 });

afterAll(async () => {
  await tts.close();
  await closeSharedEspeak();
});

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of it) out.push(chunk);
  return out;
}

function join(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Fraction of 20 ms frames above -40 dBFS. */
function voicedFraction(mulaw: Uint8Array): number {
  const pcm = decodeMulaw(mulaw);
  let voiced = 0;
  let frames = 0;
  for (let at = 0; at + 160 <= pcm.length; at += 160, frames++) if (frameEnergyDb(pcm.subarray(at, at + 160)) > -40) voiced++;
  return voiced / frames;
}

describe('text preparation', () => {
  it('strips control characters and collapses whitespace', () => {
    expect(sanitizeText(' a\u0000b\u0007\tc\n\nd\u2028e ')).toBe('a b c d e');
  });

  it('splits sentences and breaks very long runs', () => {
    expect(splitSentences('Hello there. How are you? Fine!  Next; then…  end')).toEqual([
      'Hello there.',
      'How are you?',
      'Fine!',
      'Next;',
      'then…',
      'end',
    ]);
    const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const parts = splitSentences(long);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 300)).toBe(true);
    expect(parts.join(' ')).toBe(long);
    expect(splitSentences('  \n ')).toEqual([]);
  });
});

describe('EspeakSynthesizer', () => {
  it('synthesizes a sentence into 100 ms mu-law chunks with speech energy and a plausible duration', async () => {
    let firstByteMs: number | undefined;
    const chunks = await collect(
      tts.synthesize('Thanks for taking the time to talk with me today.', { onFirstByte: (ms) => (firstByteMs = ms) }),
    );
    const audio = join(chunks);
    expect(chunks.slice(0, -1).every((c) => c.length === 800)).toBe(true);
    const seconds = audio.length / 8000;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(6);
    expect(voicedFraction(audio)).toBeGreaterThan(0.4);
    expect(new Set(audio).size).toBeGreaterThan(64); // real mu-law, not a constant or header bytes
    expect(firstByteMs).toBeGreaterThan(0);
  });

  it('speaks text that starts with "-" instead of parsing it as options', async () => {
    const audio = join(await collect(tts.synthesize('--help -w /tmp/x')));
    expect(audio.length / 8000).toBeGreaterThan(0.5);
    expect(voicedFraction(audio)).toBeGreaterThan(0.3);
  });

  it('multi-sentence text yields audio for each sentence, serves repeats from the cache', async () => {
    const text = 'First question. Second question.';
    const first = join(await collect(tts.synthesize(text)));
    const cached = tts.cachedBytes;
    expect(cached).toBeGreaterThanOrEqual(first.length);
    const again = join(await collect(tts.synthesize(text)));
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(tts.cachedBytes).toBe(cached); // nothing new was synthesized
    // A second sentence-pair made of the same sentences is also served from the cache.
    join(await collect(tts.synthesize('Second question. First question.')));
    expect(tts.cachedBytes).toBe(cached);
  });

  it('keeps the cache within its byte bound', async () => {
    const small = new EspeakSynthesizer({ cacheMaxBytes: 20_000 });
    try {
      for (const line of ['Alpha bravo charlie.', 'Delta echo foxtrot.', 'Golf hotel india juliet.']) {
        await collect(small.synthesize(line));
        expect(small.cachedBytes).toBeGreaterThan(0);
        expect(small.cachedBytes).toBeLessThanOrEqual(20_000);
      }
    } finally {
      await small.close();
    }
  });

  it('stops output once aborted mid-way', async () => {
    const controller = new AbortController();
    const chunks: Uint8Array[] = [];
    const text = 'This is the first sentence of a long answer. Here is a second one. And a third that should never play.';
    for await (const chunk of tts.synthesize(text, { signal: controller.signal })) {
      chunks.push(chunk);
      if (chunks.length === 3) controller.abort();
    }
    expect(chunks.length).toBe(3);
  });

  it('stops without output when aborted while a sentence is still rendering', async () => {
    const controller = new AbortController();
    const chunks: Uint8Array[] = [];
    setTimeout(() => controller.abort(), 5);
    for await (const chunk of tts.synthesize('A sentence nobody has asked for before now.', { signal: controller.signal })) {
      chunks.push(chunk);
    }
    expect(chunks).toEqual([]);
  });

  it('produces nothing when already aborted, or for blank text', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await collect(tts.synthesize('Hello.', { signal: controller.signal }))).toEqual([]);
    expect(await collect(tts.synthesize(' \u0001 '))).toEqual([]);
  });

  it('synthesizeStream speaks streamed pieces in order', async () => {
    async function* pieces() {
      yield 'One.';
      yield '   ';
      yield 'Two.';
    }
    const stream = join(await collect(tts.synthesizeStream(pieces())));
    const one = join(await collect(tts.synthesize('One.')));
    const two = join(await collect(tts.synthesize('Two.')));
    expect(stream.length).toBe(one.length + two.length);
    expect(Array.from(stream.subarray(0, one.length))).toEqual(Array.from(one));
  });

  it('rejects an unknown or unsafe voice with a non-retryable provider error', async () => {
    await expect(collect(tts.synthesize('Hi.', { voiceId: 'xx-nope' }))).rejects.toMatchObject({
      name: 'ProviderError',
      kind: 'bad_request',
      retryable: false,
    });
    await expect(collect(tts.synthesize('Hi.', { voiceId: '-w' }))).rejects.toThrow(/invalid voice/);
  });
});

describe('speakToPcm16', () => {
  it('returns PCM16 at the native rate or a requested one', async () => {
    const native = await speakToPcm16('Yes, I can hear you.');
    expect(native.sampleRateHz).toBe(22050);
    expect(native.samples.length / 22050).toBeGreaterThan(0.7);
    const at16k = await speakToPcm16('Yes, I can hear you.', { sampleRateHz: 16000 });
    expect(at16k.sampleRateHz).toBe(16000);
    expect(Math.abs(at16k.samples.length / 16000 - native.samples.length / 22050)).toBeLessThan(0.01);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(speakToPcm16('Hello', { signal: controller.signal })).rejects.toThrow();
    expect((await speakToPcm16('')).samples.length).toBe(0);
  });
});
