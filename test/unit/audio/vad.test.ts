import { seededRandom } from '../../../src/lib/seeded-random.js';
import { describe, expect, it } from 'vitest';
import { EnergyVad, frameEnergyDb } from '../../../src/audio/vad.js';
import type { VadEvent } from '../../../src/audio/vad.js';

const RATE = 8000;
const FRAME = 160; // 20 ms

const prng = seededRandom;

/** A synthetic signal: segments of noise and/or tone, each `ms` long, at dBFS levels (RMS). */
interface Segment {
  ms: number;
  noiseDb?: number;
  toneDb?: number;
}

function render(segments: Segment[], seed = 1): Int16Array {
  const rand = prng(seed);
  const total = segments.reduce((n, s) => n + (s.ms * RATE) / 1000, 0);
  const out = new Int16Array(total);
  let i = 0;
  for (const seg of segments) {
    // Uniform noise in [-a, a] has RMS a/√3; a sine of amplitude a has RMS a/√2.
    const noiseAmp = seg.noiseDb === undefined ? 0 : 32768 * 10 ** (seg.noiseDb / 20) * Math.sqrt(3);
    const toneAmp = seg.toneDb === undefined ? 0 : 32768 * 10 ** (seg.toneDb / 20) * Math.SQRT2;
    const n = (seg.ms * RATE) / 1000;
    for (let k = 0; k < n; k++, i++) {
      const v = noiseAmp * (rand() * 2 - 1) + toneAmp * Math.sin((2 * Math.PI * 300 * i) / RATE);
      out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
  }
  return out;
}

function run(vad: EnergyVad, signal: Int16Array): VadEvent[] {
  const events: VadEvent[] = [];
  for (let at = 0; at + FRAME <= signal.length; at += FRAME) {
    const ev = vad.process(signal.subarray(at, at + FRAME));
    if (ev) events.push(ev);
  }
  return events;
}

describe('frameEnergyDb', () => {
  it('measures RMS level in dBFS', () => {
    expect(frameEnergyDb(new Int16Array(160))).toBe(-100);
    expect(frameEnergyDb(new Int16Array(0))).toBe(-100);
    expect(frameEnergyDb(new Int16Array(160).fill(16384))).toBeCloseTo(-6.02, 1);
    expect(frameEnergyDb(render([{ ms: 20, toneDb: -20 }]))).toBeCloseTo(-20, 0);
  });
});

describe('EnergyVad', () => {
  it('stays quiet on digital silence and on steady line noise', () => {
    expect(run(new EnergyVad(), render([{ ms: 3000 }]))).toEqual([]);
    const noisy = new EnergyVad();
    expect(run(noisy, render([{ ms: 5000, noiseDb: -35 }]))).toEqual([]);
    expect(noisy.noiseFloorDb).toBeGreaterThan(-38);
    expect(noisy.noiseFloorDb).toBeLessThan(-32);
  });

  it('detects a tone over noise with onset and offset timestamps', () => {
    const signal = render([
      { ms: 1000, noiseDb: -45 },
      { ms: 600, noiseDb: -45, toneDb: -15 },
      { ms: 1000, noiseDb: -45 },
    ]);
    const vad = new EnergyVad({ minSpeechFrames: 3, hangoverFrames: 10 });
    const events = run(vad, signal);
    expect(events).toEqual([
      { type: 'speech_start', atMs: 1000, decidedAtMs: 1060 },
      { type: 'speech_end', atMs: 1600, decidedAtMs: 1800 },
    ]);
    expect(vad.isSpeech).toBe(false);
  });

  it('ignores bursts shorter than the minimum duration', () => {
    const signal = render([
      { ms: 500, noiseDb: -50 },
      { ms: 40, toneDb: -10 },
      { ms: 500, noiseDb: -50 },
    ]);
    expect(run(new EnergyVad({ minSpeechFrames: 3 }), signal)).toEqual([]);
    expect(run(new EnergyVad({ minSpeechFrames: 2 }), signal).map((e) => e.type)).toEqual([
      'speech_start',
      'speech_end',
    ]);
  });

  it('bridges pauses shorter than the hangover into one utterance', () => {
    const signal = render([
      { ms: 400, noiseDb: -50 },
      { ms: 300, toneDb: -12, noiseDb: -50 },
      { ms: 200, noiseDb: -50 },
      { ms: 300, toneDb: -12, noiseDb: -50 },
      { ms: 600, noiseDb: -50 },
    ]);
    const events = run(new EnergyVad({ hangoverFrames: 15 }), signal);
    expect(events.map((e) => [e.type, e.atMs])).toEqual([
      ['speech_start', 400],
      ['speech_end', 1200],
    ]);
  });

  it('absorbs a sustained noise step instead of holding speech open forever', () => {
    const signal = render([
      { ms: 1000, noiseDb: -60 },
      { ms: 20_000, noiseDb: -30 },
    ]);
    const vad = new EnergyVad();
    const events = run(vad, signal);
    expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
    expect(vad.isSpeech).toBe(false);
    // A real utterance on top of the new floor is still detected.
    const more = render([{ ms: 500, noiseDb: -30, toneDb: -8 }], 9);
    expect(run(vad, more).map((e) => e.type)).toEqual(['speech_start']);
  });

  it('never fires below the absolute minimum level, whatever the floor', () => {
    const signal = render([
      { ms: 1000 },
      { ms: 1000, toneDb: -60 },
    ]);
    expect(run(new EnergyVad({ minSpeechDb: -50 }), signal)).toEqual([]);
  });

  it('uses caller timestamps when given, and reset clears speech state', () => {
    const vad = new EnergyVad({ warmupFrames: 0, minSpeechFrames: 1 });
    const loud = render([{ ms: 20, toneDb: -10 }]);
    expect(vad.process(loud, 5000)).toEqual({ type: 'speech_start', atMs: 5000, decidedAtMs: 5020 });
    expect(vad.isSpeech).toBe(true);
    vad.reset();
    expect(vad.isSpeech).toBe(false);
    expect(vad.process(loud, 6000)?.type).toBe('speech_start');
    expect(vad.lastEnergyDb).toBeCloseTo(-10, 0);
  });

  it('does not detect during warm-up, even when the call opens loud', () => {
    const vad = new EnergyVad({ warmupFrames: 10 });
    expect(run(vad, render([{ ms: 200, toneDb: -10 }]))).toEqual([]);
  });
});
