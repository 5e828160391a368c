/**
 * Micro-benchmark of the per-frame audio path (run: `npx tsx scripts/bench/audio-frames.ts`).
 *   inbound:  Twilio media JSON → parse + strict base64 → mu-law decode → 2x upsample to 16 kHz → VAD
 *   outbound: slice a 20 ms frame from a reply → base64 + media JSON
 *   pacer:    real-time pacing jitter (sent − due; slightly negative when a timer fires within the 2 ms early
 *             tolerance) across concurrent pacers on the real clock
 * `run()` returns rows so scripts/bench/run.ts can aggregate them.
 */
import { pathToFileURL } from 'node:url';
import { FRAME_BYTES } from '../../src/audio/frames.js';
import { Pacer } from '../../src/audio/pacer.js';
import { inboundFramePath, MEDIA_STREAM_SID as SID, speechLikeFrames } from '../../src/sim/load/machine-speed.js';
import { serializeMedia } from '../../src/telephony/twilio/media-serializer.js';

export interface Row {
  bench: string;
  ops: number;
  /** Mean µs per op (per 20 ms frame); for the pacer row, undefined. */
  usPerOp?: number;
  opsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  note?: string;
}

/** The machine-speed measurement of every load report (src/sim/load/machine-speed.ts), as one row. */
function benchInbound(iterations: number): Row {
  const { ms, vadEvents } = inboundFramePath()(iterations);
  return row('inbound frame (parse+b64+ulaw→pcm+2x+vad)', iterations, ms, `${vadEvents} VAD events`);
}

function benchOutbound(iterations: number): Row {
  const reply = speechLikeFrames(500).reduce((acc, f, i) => (acc.set(f, i * FRAME_BYTES), acc), new Uint8Array(500 * FRAME_BYTES));
  let bytes = 0;
  const loop = (n: number) => {
    for (let i = 0; i < n; i++) {
      const at = (i % 500) * FRAME_BYTES;
      bytes += serializeMedia(SID, reply.subarray(at, at + FRAME_BYTES)).length;
    }
  };
  loop(Math.min(20_000, iterations));
  const t0 = performance.now();
  loop(iterations);
  const ms = performance.now() - t0;
  return row('outbound frame (slice+b64+json)', iterations, ms, `${Math.round(bytes / iterations)} B/msg`);
}

function row(bench: string, ops: number, ms: number, note?: string): Row {
  const usPerOp = (ms * 1000) / ops;
  return { bench, ops, usPerOp: round(usPerOp, 3), opsPerSec: Math.round(1e6 / usPerOp), ...(note ? { note } : {}) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `pacers` concurrent pacers each play `seconds` of audio in real time; jitter of every timer-driven frame. */
async function benchPacerJitter(pacers: number, seconds: number): Promise<Row> {
  const jitters: number[] = [];
  const audio = new Uint8Array(seconds * 8000).fill(0xff);
  let frames = 0;
  await Promise.all(
    Array.from({ length: pacers }, (_, i) =>
      new Promise<void>((resolve) => {
        const pacer = new Pacer(
          {
            onFrame: (frame) => {
              frames++;
              serializeMedia(SID, frame);
            },
            onMark: () => undefined,
            onDrained: () => {
              pacer.close();
              resolve();
            },
          },
          { onJitter: (ms) => jitters.push(ms) },
        );
        // Stagger starts so the pacers' timers do not all line up.
        setTimeout(() => pacer.push(`r${i}`, 0, audio), (i * 7) % 20);
      }),
    ),
  );
  jitters.sort((a, b) => a - b);
  const q = (p: number) => round(jitters[Math.min(jitters.length - 1, Math.floor(p * jitters.length))] ?? 0, 2);
  return {
    bench: `pacer jitter (${pacers} pacers × ${seconds} s, real clock)`,
    ops: frames,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: round(jitters.at(-1) ?? 0, 2),
  };
}

export async function run(opts: { frames?: number; pacers?: number; pacerSeconds?: number } = {}): Promise<Row[]> {
  const frames = opts.frames ?? 200_000;
  return [benchInbound(frames), benchOutbound(frames), await benchPacerJitter(opts.pacers ?? 200, opts.pacerSeconds ?? 3)];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await run();
  console.table(rows);
}
