/** Per-call measurements from what a synthetic caller received. */
import { LoadHistogram } from './histogram.js';

/** Frames count as one run until a gap of more than this (the agent stopped) or a clear. */
const RUN_GAP_MS = 60;
/** The pacer hands Twilio up to 100 ms ahead; frames inside that lead arrive early by design. */
const LEAD_MS = 120;

/**
 * Lateness of each agent frame against a drift-free real-time schedule: within a run, frame i should arrive at
 * anchor + (audio before it); the anchor is the earliest such offset in the run (the best case), so a frame's
 * jitter is how much later than the best case it arrived.
 */
export function frameJitter(
  media: readonly { atMs: number; bytes: number }[],
  clears: readonly number[],
  windowOf: (atMs: number) => number = () => 0,
): Map<number, LoadHistogram> {
  const byWindow = new Map<number, LoadHistogram>();
  const record = (atMs: number, ms: number) => {
    const w = windowOf(atMs);
    let h = byWindow.get(w);
    if (!h) byWindow.set(w, (h = new LoadHistogram()));
    h.record(ms);
  };
  let start = 0;
  let c = 0;
  const flush = (from: number, to: number) => {
    let cum = 0;
    let anchor = Infinity;
    const offsets: { at: number; off: number }[] = [];
    for (let i = from; i < to; i++) {
      if (cum >= LEAD_MS) {
        const off = media[i]!.atMs - cum;
        offsets.push({ at: media[i]!.atMs, off });
        if (off < anchor) anchor = off;
      }
      cum += media[i]!.bytes / 8;
    }
    for (const o of offsets) record(o.at, o.off - anchor);
  };
  for (let i = 1; i <= media.length; i++) {
    const prev = media[i - 1]!;
    const cur = media[i];
    while (c < clears.length && clears[c]! < prev.atMs) c++;
    const cleared = cur !== undefined && c < clears.length && clears[c]! <= cur.atMs;
    if (!cur || cur.atMs - prev.atMs > RUN_GAP_MS || cleared) {
      flush(start, i);
      start = i;
    }
  }
  return byWindow;
}

