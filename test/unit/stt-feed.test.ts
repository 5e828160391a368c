import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SttFeed } from '../../src/voice/stt-feed.js';

const OPTS = { batchMs: 100, holdMs: 1500, bytesPerMs: 8 };

/** A 20 ms mu-law frame whose bytes say which frame it is (so order and content can be checked). */
const frame = (i: number) => new Uint8Array(160).fill(i % 256);

function setup(opts = OPTS) {
  const sent: { atFrame: number; bytes: Uint8Array }[] = [];
  let pushed = 0;
  const feed = new SttFeed((bytes) => sent.push({ atFrame: pushed, bytes: new Uint8Array(bytes) }), opts);
  const push = (i: number, voiced: boolean) => {
    pushed = i;
    feed.push(frame(i), i * 20, voiced);
  };
  return { feed, sent, push };
}

describe('SttFeed', () => {
  it('holds quiet audio into 100 ms messages from the start of the call (the opening)', () => {
    const { feed, sent, push } = setup();
    for (let i = 0; i < 50; i++) push(i, false);
    expect(sent.map((m) => m.bytes.byteLength)).toEqual(Array(10).fill(800));
    expect(feed.counts).toEqual({ frames: 50, messages: 10 });
  });

  it('a voiced frame sends what is held and itself at once, then frames go one by one until the hold has passed', () => {
    const { sent, push } = setup();
    for (let i = 0; i < 3; i++) push(i, false); // 60 ms held
    expect(sent).toHaveLength(0);
    push(3, true);
    expect(sent.map((m) => [m.atFrame, m.bytes.byteLength])).toEqual([
      [3, 480],
      [3, 160],
    ]);
    // 1.5 s of quiet after the voiced frame ended (at 80 ms): frames 4..77 go one by one, then holding resumes.
    for (let i = 4; i < 120; i++) push(i, false);
    const single = sent.slice(2).filter((m) => m.bytes.byteLength === 160).map((m) => m.atFrame);
    expect(single[0]).toBe(4);
    expect(single.at(-1)).toBe(77);
    expect(sent.slice(2 + single.length).every((m) => m.bytes.byteLength === 800)).toBe(true);
  });

  it('flush() sends a partial batch; an empty flush sends nothing', () => {
    const { feed, sent, push } = setup();
    push(0, false);
    push(1, false);
    feed.flush();
    feed.flush();
    expect(sent.map((m) => m.bytes.byteLength)).toEqual([320]);
  });

  it('batchMs of one frame or less sends every frame as it comes', () => {
    const { feed, sent, push } = setup({ ...OPTS, batchMs: 20 });
    for (let i = 0; i < 10; i++) push(i, false);
    expect(sent.map((m) => m.atFrame)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(feed.counts.messages).toBe(10);
  });

  it('property: every byte arrives once and in order; a voiced frame, and any frame within the hold, is never held; no message holds more than batchMs', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 400 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 3000 }), (voicedPattern, batchMs, holdMs) => {
        const { feed, sent, push } = setup({ batchMs, holdMs, bytesPerMs: 8 });
        let lastVoicedEndMs = Number.NEGATIVE_INFINITY;
        voicedPattern.forEach((voiced, i) => {
          const before = sent.length;
          push(i, voiced);
          if (voiced) lastVoicedEndMs = (i + 1) * 20;
          const inHold = (i + 1) * 20 - lastVoicedEndMs < holdMs;
          if (voiced || inHold || batchMs <= 20) {
            // Sent during this push, and it was the last byte out.
            expect(sent.length).toBeGreaterThan(before);
            expect(sent.at(-1)!.bytes.at(-1)).toBe(i % 256);
          }
        });
        feed.flush();
        const all = Buffer.concat(sent.map((m) => m.bytes));
        expect(all).toEqual(Buffer.concat(voicedPattern.map((_, i) => frame(i))));
        for (const m of sent) expect(m.bytes.byteLength).toBeLessThanOrEqual(Math.max(160, Math.ceil(batchMs / 20) * 160));
      }),
    );
  });
});
