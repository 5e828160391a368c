import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/audio/pacer.js';
import type { FrameMeta, PacerClock, PacerSink } from '../../../src/audio/pacer.js';

/** Deterministic clock: timers run only in `advance`, in due order, optionally late by `lateness()` ms. */
class ManualClock implements PacerClock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  lateness: () => number = () => 0;

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, delayMs: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, delayMs) + this.lateness(), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}

type Sent = { kind: 'frame'; bytes: number; meta: FrameMeta } | { kind: 'mark'; name: string; at: number };

function recorder(clock: ManualClock, extra: Partial<PacerSink> = {}) {
  const log: Sent[] = [];
  const drained: number[] = [];
  const sink: PacerSink = {
    onFrame: (frame, meta) => {
      log.push({ kind: 'frame', bytes: frame.length, meta: { ...meta } }); // the pacer reuses meta
      extra.onFrame?.(frame, meta);
    },
    onMark: (name) => {
      log.push({ kind: 'mark', name, at: clock.now() });
      extra.onMark?.(name);
    },
    onDrained: (info) => {
      drained.push(info.playbackEndsAtMs);
      extra.onDrained?.(info);
    },
  };
  const frames = () => log.filter((e): e is Extract<Sent, { kind: 'frame' }> => e.kind === 'frame');
  const marks = () => log.filter((e): e is Extract<Sent, { kind: 'mark' }> => e.kind === 'mark').map((m) => m.name);
  return { sink, log, drained, frames, marks };
}

const audio = (ms: number, fill = 1) => new Uint8Array(ms * 8).fill(fill);

/** Audio sent but not yet played, at each send: never more than the lead. */
function maxBufferedMs(frames: { meta: FrameMeta }[]): number {
  let max = 0;
  for (const f of frames) max = Math.max(max, f.meta.playAtMs + f.meta.durationMs - f.meta.sentAtMs);
  return max;
}

describe('Pacer schedule', () => {
  it('sends the lead at once, then one 20 ms frame per 20 ms, never more than maxLeadMs ahead', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock, maxLeadMs: 100 });
    pacer.push('r1', 0, audio(1000));
    expect(r.frames().length).toBe(5); // 100 ms handed over immediately
    clock.advance(20);
    expect(r.frames().length).toBe(6);
    clock.advance(380);
    expect(r.frames().length).toBe(25);
    clock.advance(1000);
    const frames = r.frames();
    expect(frames.length).toBe(50);
    expect(frames.every((f) => f.bytes === 160)).toBe(true);
    expect(maxBufferedMs(frames)).toBeLessThanOrEqual(100);
    // Play times are contiguous: no gaps, no overlaps.
    frames.forEach((f, i) => expect(f.meta.playAtMs).toBe(i * 20));
    expect(r.marks()).toEqual(['r1:0']);
    expect(r.drained).toEqual([1000]);
    expect(pacer.idle).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('does not drift when timers fire late: lateness is caught up, not accumulated', () => {
    const clock = new ManualClock();
    let n = 0;
    clock.lateness = () => [0, 13, 4, 19, 7][n++ % 5]!;
    const jitters: number[] = [];
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock, maxLeadMs: 100, onJitter: (ms) => jitters.push(ms) });
    pacer.push('r1', 0, audio(10_000));
    for (let t = 0; t < 10_000; t += 10) {
      clock.advance(10);
      const sent = r.frames().length;
      // Frames due by now: audio end ≤ now + 100 ms. Late timers may lag by their lateness, never more.
      const dueNow = Math.min(500, Math.floor((clock.t + 100) / 20));
      const dueBefore = Math.min(500, Math.floor((clock.t - 20 + 100) / 20));
      expect(sent).toBeLessThanOrEqual(dueNow);
      expect(sent).toBeGreaterThanOrEqual(dueBefore);
    }
    clock.advance(100);
    expect(r.frames().length).toBe(500);
    expect(r.frames().at(-1)!.meta.playAtMs).toBe(9980);
    expect(Math.max(...jitters)).toBeLessThanOrEqual(19);
    expect(jitters.some((j) => j >= 13)).toBe(true);
    expect(pacer.lastJitterMs).toBeGreaterThanOrEqual(0);
  });

  it('emits each chunk mark right after its last frame, in order, with short tail frames', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, new Uint8Array(200)); // 160 + 40
    pacer.push('r1', 1, new Uint8Array(0)); // empty: mark only
    pacer.push('r1', 2, new Uint8Array(320));
    clock.advance(1000);
    const seq = r.log.map((e) => (e.kind === 'mark' ? e.name : e.bytes));
    expect(seq).toEqual([160, 40, 'r1:0', 'r1:1', 160, 160, 'r1:2']);
    const frames = r.frames();
    expect(frames.map((f) => f.meta.durationMs)).toEqual([20, 5, 20, 20]);
    expect(frames.map((f) => f.meta.playAtMs)).toEqual([0, 20, 25, 45]);
    expect(frames.map((f) => [f.meta.replyId, f.meta.chunkIndex])).toEqual([
      ['r1', 0],
      ['r1', 0],
      ['r1', 2],
      ['r1', 2],
    ]);
  });

  it('continues the schedule when audio arrives while Twilio still has some buffered', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, audio(200));
    clock.advance(150); // 200 ms sent by t=100; Twilio plays until t=200
    expect(r.frames().length).toBe(10);
    pacer.push('r1', 1, audio(200));
    expect(r.frames().length).toBe(12); // only up to 100 ms ahead: 200→240 ends ≤ 250
    clock.advance(500);
    const frames = r.frames();
    frames.forEach((f, i) => expect(f.meta.playAtMs).toBe(i * 20));
    expect(maxBufferedMs(frames)).toBeLessThanOrEqual(100);
    expect(r.drained.length).toBe(2);
  });

  it('restarts the schedule after an underrun (TTS slower than real time)', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, audio(100));
    clock.advance(1000);
    pacer.push('r1', 1, audio(100));
    const second = r.frames().slice(5);
    expect(second.length).toBe(5);
    expect(second[0]!.meta.playAtMs).toBe(1000);
    expect(second.every((f) => f.meta.sentAtMs === 1000)).toBe(true);
  });

  it('clamps maxLeadMs to [one frame, 200 ms]', () => {
    for (const [asked, firstBurst] of [
      [1000, 10],
      [0, 1],
      [60, 3],
    ] as const) {
      const clock = new ManualClock();
      const r = recorder(clock);
      new Pacer(r.sink, { clock, maxLeadMs: asked }).push('r', 0, audio(1000));
      expect(r.frames().length).toBe(firstBurst);
    }
  });
});

describe('Pacer clear and close', () => {
  it('clear drops everything queued at once and reports what was not sent', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, audio(100));
    pacer.push('r1', 1, audio(300));
    pacer.push('r1', 2, audio(300));
    clock.advance(100); // 200 ms sent: chunk 0 and 100 ms of chunk 1
    expect(r.marks()).toEqual(['r1:0']);
    const dropped = pacer.clear();
    expect(dropped).toEqual([
      { replyId: 'r1', chunkIndex: 1, unsentBytes: 1600, partiallySent: true },
      { replyId: 'r1', chunkIndex: 2, unsentBytes: 2400, partiallySent: false },
    ]);
    expect(pacer.idle).toBe(true);
    expect(pacer.queuedMs).toBe(0);
    expect(clock.pending).toBe(0);
    const before = r.log.length;
    clock.advance(2000);
    expect(r.log.length).toBe(before);
    // Only the natural drain after chunk 0 (pushed alone, sent at once); the clear does not report a drain.
    expect(r.drained).toEqual([100]);
    expect(pacer.clear()).toEqual([]);
  });

  it('after a clear the next reply starts a fresh schedule immediately', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, audio(1000));
    clock.advance(40);
    pacer.clear();
    pacer.push('r2', 0, audio(200));
    const r2 = r.frames().filter((f) => f.meta.replyId === 'r2');
    expect(r2.length).toBe(5);
    expect(r2[0]!.meta.playAtMs).toBe(40);
  });

  it('sink callbacks may push, clear and close re-entrantly', () => {
    const clock = new ManualClock();
    let pushed = false;
    const r = recorder(clock, {
      onMark: (name) => {
        if (name === 'a:0' && !pushed) {
          pushed = true;
          pacer.push('a', 1, audio(40));
        }
      },
      onFrame: (_f, meta) => {
        if (meta.replyId === 'b') pacer.clear();
      },
    });
    // The callbacks above only run after this line, so they see the initialised `pacer`.
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('a', 0, audio(40));
    clock.advance(200);
    expect(r.marks()).toEqual(['a:0', 'a:1']);
    pacer.push('b', 0, audio(400));
    expect(r.frames().filter((f) => f.meta.replyId === 'b').length).toBe(1);
    expect(pacer.idle).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('a clear from inside onMark is not reported as a drain', () => {
    const clock = new ManualClock();
    const r = recorder(clock, { onMark: () => void pacer.clear() });
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('a', 0, audio(20));
    expect(r.marks()).toEqual(['a:0']);
    expect(r.drained).toEqual([]);
    expect(pacer.idle).toBe(true);
  });

  it('close stops timers and ignores later pushes', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, audio(1000));
    pacer.close();
    expect(clock.pending).toBe(0);
    expect(pacer.push('r1', 1, audio(100))).toBe(false);
    clock.advance(2000);
    expect(r.frames().length).toBe(5);
  });

  it('reports queued audio and the estimated end of playback', () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    const pacer = new Pacer(r.sink, { clock });
    pacer.push('r1', 0, audio(500));
    expect(pacer.queuedMs).toBe(400);
    expect(pacer.playbackEndsAtMs).toBe(100);
    clock.advance(1000);
    expect(pacer.playbackEndsAtMs).toBe(500);
  });
});

describe('Pacer on the real clock', () => {
  it('plays a short reply through and drains', async () => {
    const marks: string[] = [];
    let frames = 0;
    const done = new Promise<void>((resolve) => {
      const pacer = new Pacer({ onFrame: () => frames++, onMark: (m) => marks.push(m), onDrained: () => resolve() });
      pacer.push('r', 0, audio(160));
      pacer.push('r', 1, audio(40));
    });
    await done;
    expect(frames).toBe(10);
    expect(marks).toEqual(['r:0', 'r:1']);
  });
});
