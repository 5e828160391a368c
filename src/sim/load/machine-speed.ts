/**
 * How fast this machine runs our code at this moment: the inbound media frame path (Twilio media JSON → parse +
 * strict base64 → mu-law decode → 2× upsample → VAD), in µs per 20 ms frame, over a fixed set of frames, in this
 * process, single-threaded. Nothing in it waits on a timer or a socket, so it only moves with the CPU time the
 * host gives us. On the project's nested 2-vCPU guest it has moved by more than 2× between hours with the same code
 * (docs/operations/capacity.md), so every load report prints it before and after the run: figures from runs at
 * different speeds are not comparable. `npm run bench`'s inbound-frame row is the same measurement.
 */
import { FRAME_BYTES } from '../../audio/frames.js';
import { decodeMulaw, encodeMulaw } from '../../audio/mulaw.js';
import { Upsampler2x } from '../../audio/resample.js';
import { EnergyVad } from '../../audio/vad.js';
import { parseInbound } from '../../telephony/twilio/media-serializer.js';

export const MEDIA_STREAM_SID = 'MZ18ad3ab5a668481ce02b83e7395059f0';

/** Low noise with a 440 Hz tone switching on and off each second (so the VAD sees onsets and offsets). */
export function speechLikeFrames(count: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let seed = 7;
  for (let f = 0; f < count; f++) {
    const pcm = new Int16Array(FRAME_BYTES);
    for (let i = 0; i < FRAME_BYTES; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const t = f * FRAME_BYTES + i;
      const tone = Math.floor(f / 50) % 2 === 1 ? 6000 * Math.sin((2 * Math.PI * 440 * t) / 8000) : 0;
      pcm[i] = Math.round(tone + ((seed % 400) - 200));
    }
    frames.push(encodeMulaw(pcm));
  }
  return frames;
}

/** A runner over 200 inbound media messages; each call times `frames` frames after the first call's warm-up. */
export function inboundFramePath(): (frames: number) => { ms: number; vadEvents: number } {
  const messages = speechLikeFrames(200).map((bytes, i) =>
    JSON.stringify({
      event: 'media',
      sequenceNumber: String(i + 2),
      streamSid: MEDIA_STREAM_SID,
      media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: Buffer.from(bytes).toString('base64') },
    }),
  );
  const pcm8 = new Int16Array(FRAME_BYTES);
  const pcm16 = new Int16Array(FRAME_BYTES * 2);
  const up = new Upsampler2x();
  const vad = new EnergyVad();
  let vadEvents = 0;
  const loop = (n: number) => {
    for (let i = 0; i < n; i++) {
      const ev = parseInbound(messages[i % messages.length]!);
      if (ev.event !== 'media') continue;
      const pcm = decodeMulaw(ev.payload, ev.payload.length === FRAME_BYTES ? pcm8 : undefined);
      up.process(pcm, pcm.length === FRAME_BYTES ? pcm16 : undefined);
      if (vad.process(pcm, ev.timestampMs)) vadEvents++;
    }
  };
  let warm = false;
  return (frames) => {
    if (!warm) {
      loop(Math.min(20_000, frames)); // the JIT's tiers first
      warm = true;
    }
    const before = vadEvents;
    const t0 = performance.now();
    loop(frames);
    return { ms: performance.now() - t0, vadEvents: vadEvents - before };
  };
}

/** The same path on 2026-11-21 (docs/benchmarks.md, "Latest figures"), for scale. */
export const REFERENCE_INBOUND_FRAME = { us: 3.375, measuredOn: '2026-11-21' } as const;

/** µs per frame: the median of `rounds` timed rounds of `frames` frames (a single descheduling skews one round). */
export function measureMachineSpeed(opts: { frames?: number; rounds?: number } = {}): number {
  const frames = opts.frames ?? 50_000;
  const run = inboundFramePath();
  const us = Array.from({ length: opts.rounds ?? 3 }, () => (run(frames).ms * 1000) / frames).sort((a, b) => a - b);
  return Math.round(us[Math.floor(us.length / 2)]! * 1000) / 1000;
}
