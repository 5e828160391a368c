/**
 * What each synthetic caller says and when. Both sides of the harness use it: the harness process registers the
 * line texts with the Deepgram simulator (which gives the n-th speech segment of a call the n-th line), and the
 * caller process plays a synthetic voice clip for each line in the same order, so every answer's transcript, and
 * therefore the model request it causes, carries the turn's tag (`k<call>x<line>`). The tag is how the harness
 * subtracts the exact model latency it drew for that turn.
 *
 * The clips are a harmonic "voice" with a flat envelope and sharp edges rather than eSpeak speech: the energy
 * detectors on both sides (the STT simulator's endpointing and the service's VAD) then see the speech end exactly
 * where the caller stopped sending it, so no detector tail is mistaken for our overhead.
 */
import { encodeMulaw } from '../../audio/mulaw.js';

export type LineKind = 'consent' | 'answer' | 'backchannel' | 'barge_in';

export interface ScriptedLine {
  kind: LineKind;
  tag: string;
  text: string;
}

/** Speech lengths, ms. */
export const CLIP_MS: Record<LineKind, number> = { consent: 1200, answer: 1600, backchannel: 360, barge_in: 1200 };
/** Agent speech before the caller talks over it. */
export const BACKCHANNEL_AFTER_MS = 700;
export const BARGE_IN_AFTER_MS = 900;

const ANSWERS = [
  'I built the billing service and ran it in production for two years',
  'We moved the jobs to a queue with retries and a dead letter topic',
  'I would shard the table by tenant and keep a small routing cache',
  'My team owned the payments API and its on call rotation',
  'I usually start from the slowest query and read the plan',
];

export function lineTag(callIndex: number, line: number): string {
  return `k${callIndex}x${line}`;
}

/** The tag of the last line quoted in a text (the model request for a turn quotes that turn's transcript). */
export function lastTag(text: string): string | undefined {
  const all = text.match(/\bk\d+x\d+\b/g);
  return all?.at(-1);
}

/**
 * A call's lines: consent, then answers; every third answer's reply gets a backchannel over it, every third a
 * barge-in (the barge-in itself is a turn the agent answers). `lines` bounds the script; calls end sooner.
 */
export function callScript(callIndex: number, lines = 120): ScriptedLine[] {
  const out: ScriptedLine[] = [{ kind: 'consent', tag: lineTag(callIndex, 0), text: `Yes I agree to continue ${lineTag(callIndex, 0)}.` }];
  let answer = 0;
  while (out.length < lines) {
    const n = out.length;
    const tag = lineTag(callIndex, n);
    out.push({ kind: 'answer', tag, text: `${ANSWERS[answer % ANSWERS.length]!} ${tag}.` });
    const pattern = answer % 3;
    answer++;
    if (pattern === 1) out.push({ kind: 'backchannel', tag: lineTag(callIndex, out.length), text: 'mm-hm' });
    else if (pattern === 2) {
      const t = lineTag(callIndex, out.length);
      out.push({ kind: 'barge_in', tag: t, text: `Sorry could you say that again ${t}?` });
    }
  }
  return out.slice(0, lines);
}

/** A flat-envelope harmonic tone (f0 140 Hz, 12 harmonics) of `ms`, with 5 ms edges, as 8 kHz mu-law. */
export function voiceClip(ms: number, seed = 1): Uint8Array {
  const rate = 8000;
  const n = Math.round((ms * rate) / 1000);
  const pcm = new Int16Array(n);
  const f0 = 130 + (seed % 5) * 8;
  const edge = 40;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 1; k <= 12; k++) s += Math.sin((2 * Math.PI * f0 * k * i) / rate + k * seed) / k;
    const env = Math.min(1, i / edge, (n - 1 - i) / edge);
    pcm[i] = Math.round(s * 2600 * env);
  }
  return encodeMulaw(pcm);
}
