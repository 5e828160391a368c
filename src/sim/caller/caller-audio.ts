/**
 * The candidate's side of the line: what they say (text spoken by eSpeak NG, a WAV file, or raw samples) rendered to
 * 8 kHz mu-law, and a queue that turns queued utterances into a continuous stream of 20 ms frames — speech while an
 * utterance is playing, mu-law silence otherwise — as a phone line does.
 */
import { readFile } from 'node:fs/promises';
import { encodeMulaw, MULAW_SILENCE } from '../../audio/mulaw.js';
import { resampleLinear } from '../../audio/resample.js';
import { readWav } from '../../audio/wav.js';
import { speakToPcm16 } from '../../providers/local/espeak-tts.js';

const RATE_HZ = 8000;

/** Something the candidate says. A string is spoken with eSpeak NG. */
export type CallerSpeech =
  | string
  | { text: string; voice?: string; rateWpm?: number }
  | { wavPath: string; label?: string }
  | { pcm: Int16Array; sampleRateHz: number; label?: string }
  | { mulaw: Uint8Array; label?: string };

export interface RenderedSpeech {
  /** 8 kHz mu-law. */
  mulaw: Uint8Array;
  /** For the timeline: the text, or a description of the audio. */
  label: string;
}

/** Renders speech to 8 kHz mu-law (eSpeak runs in a worker thread; WAV files are resampled). */
export async function renderSpeech(speech: CallerSpeech, signal?: AbortSignal): Promise<RenderedSpeech> {
  if (typeof speech === 'string') speech = { text: speech };
  if ('mulaw' in speech) return { mulaw: speech.mulaw, label: speech.label ?? `${speech.mulaw.length / 8} ms of audio` };
  if ('pcm' in speech) {
    return { mulaw: encodeMulaw(resampleLinear(speech.pcm, speech.sampleRateHz, RATE_HZ)), label: speech.label ?? 'audio' };
  }
  if ('wavPath' in speech) {
    const wav = readWav(new Uint8Array(await readFile(speech.wavPath)));
    const pcm = wav.sampleRateHz === RATE_HZ ? wav.samples : resampleLinear(wav.samples, wav.sampleRateHz, RATE_HZ);
    return { mulaw: encodeMulaw(pcm), label: speech.label ?? `[${speech.wavPath}]` };
  }
  const { samples } = await speakToPcm16(speech.text, {
    sampleRateHz: RATE_HZ,
    voice: speech.voice,
    rateWpm: speech.rateWpm,
    signal,
  });
  return { mulaw: encodeMulaw(samples), label: speech.text };
}

interface Utterance {
  speech: RenderedSpeech;
  offset: number;
  startedAtMs?: number;
  done: (result: SayResult) => void;
}

export interface SayResult {
  /** False when the call ended before all of it was sent. */
  completed: boolean;
  /** Audio sent, ms. */
  sentMs: number;
  startedAtMs?: number;
  endedAtMs?: number;
}

export interface CallerAudioEvents {
  onUtteranceStart(label: string, atMs: number): void;
  onUtteranceEnd(label: string, atMs: number, completed: boolean): void;
}

/** FIFO of utterances → one frame per tick. A partial last frame is padded with silence. */
export class CallerAudioQueue {
  private readonly queue: Utterance[] = [];

  constructor(
    private readonly events: CallerAudioEvents,
    private readonly frameBytes: number,
  ) {}

  get speaking(): boolean {
    return this.queue.length > 0 && this.queue[0]!.startedAtMs !== undefined;
  }

  /** Queued audio not yet sent, ms. */
  get pendingMs(): number {
    return this.queue.reduce((sum, u) => sum + (u.speech.mulaw.length - u.offset) / 8, 0);
  }

  enqueue(speech: RenderedSpeech): Promise<SayResult> {
    return new Promise((done) => this.queue.push({ speech, offset: 0, done }));
  }

  nextFrame(nowMs: number): Uint8Array {
    const frame = new Uint8Array(this.frameBytes).fill(MULAW_SILENCE);
    const u = this.queue[0];
    if (!u) return frame;
    if (u.startedAtMs === undefined) {
      u.startedAtMs = nowMs;
      this.events.onUtteranceStart(u.speech.label, nowMs);
    }
    const audio = u.speech.mulaw;
    const take = Math.min(this.frameBytes, audio.length - u.offset);
    frame.set(audio.subarray(u.offset, u.offset + take));
    u.offset += take;
    if (u.offset >= audio.length) {
      this.queue.shift();
      // The frame is sent right after this returns; it has finished "leaving the mouth" one frame later.
      this.events.onUtteranceEnd(u.speech.label, nowMs, true);
      u.done({ completed: true, sentMs: audio.length / 8, startedAtMs: u.startedAtMs, endedAtMs: nowMs });
    }
    return frame;
  }

  /** Ends every queued utterance as not completed (the call is over). */
  abandon(nowMs: number): void {
    for (const u of this.queue.splice(0)) {
      if (u.startedAtMs !== undefined) this.events.onUtteranceEnd(u.speech.label, nowMs, false);
      u.done({ completed: false, sentMs: u.offset / 8, startedAtMs: u.startedAtMs, endedAtMs: u.startedAtMs === undefined ? undefined : nowMs });
    }
  }
}
