import { describe, expect, it } from 'vitest';
import { FRAME_BYTES, FRAME_MS, FrameSlicer, TELEPHONY_SAMPLE_RATE_HZ, mulawDurationMs } from '../../../src/audio/frames.js';
import { markName, parseMarkName } from '../../../src/audio/marks.js';

const bytes = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i) % 256);

describe('frame constants', () => {
  it('describe 20 ms of 8 kHz mu-law', () => {
    expect(TELEPHONY_SAMPLE_RATE_HZ).toBe(8000);
    expect(FRAME_MS).toBe(20);
    expect(FRAME_BYTES).toBe(160);
    expect(mulawDurationMs(160)).toBe(20);
    expect(mulawDurationMs(80)).toBe(10);
  });
});

describe('FrameSlicer', () => {
  it('yields exact frames from one large chunk as zero-copy views and holds the remainder', () => {
    const s = new FrameSlicer();
    const chunk = bytes(500);
    const frames = s.push(chunk);
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
    expect(frames[2]![0]).toBe(320 % 256);
    expect(s.pendingBytes).toBe(20);
  });

  it('assembles frames across small chunks in order', () => {
    const s = new FrameSlicer();
    const all = bytes(1000);
    const out: number[] = [];
    for (let at = 0; at < all.length; at += 37) for (const f of s.push(all.subarray(at, at + 37))) out.push(...f);
    expect(out.length).toBe(960);
    expect(out).toEqual(Array.from(all.subarray(0, 960)));
    expect(s.pendingBytes).toBe(40);
  });

  it('does not overwrite an emitted straddling frame when more audio arrives', () => {
    const s = new FrameSlicer();
    s.push(bytes(100));
    const [first] = s.push(bytes(100, 100));
    const copy = Array.from(first!);
    s.push(bytes(300, 7));
    expect(Array.from(first!)).toEqual(copy);
  });

  it('pads the partial frame with mu-law silence only on flush', () => {
    const s = new FrameSlicer();
    expect(s.push(bytes(10))).toEqual([]);
    const last = s.flush()!;
    expect(last.length).toBe(160);
    expect(Array.from(last.subarray(0, 10))).toEqual(Array.from(bytes(10)));
    expect(last.subarray(10).every((b) => b === 0xff)).toBe(true);
    expect(s.flush()).toBeUndefined();
    expect(s.pendingBytes).toBe(0);
  });

  it('handles empty chunks, exact multiples, reset and custom sizes', () => {
    const s = new FrameSlicer();
    expect(s.push(new Uint8Array(0))).toEqual([]);
    expect(s.push(bytes(320)).length).toBe(2);
    expect(s.flush()).toBeUndefined();
    s.push(bytes(5));
    s.reset();
    expect(s.flush()).toBeUndefined();
    expect(new FrameSlicer(4).push(bytes(9)).length).toBe(2);
    expect(() => new FrameSlicer(0)).toThrow(RangeError);
  });
});

describe('mark names', () => {
  it('round-trip, including reply ids that contain colons', () => {
    expect(markName('r1', 3)).toBe('r1:3');
    expect(parseMarkName('r1:3')).toEqual({ replyId: 'r1', chunkIndex: 3 });
    expect(parseMarkName(markName('call:7:reply', 12))).toEqual({ replyId: 'call:7:reply', chunkIndex: 12 });
  });

  it('reject names we did not make', () => {
    for (const name of ['', 'plain', ':3', 'r1:', 'r1:x', 'r1:-1', 'r1:1.5']) expect(parseMarkName(name)).toBeUndefined();
  });
});
