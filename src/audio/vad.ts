/**
 * A small energy VAD over PCM16 frames, for barge-in evidence (not transcription): a frame is "loud" when its
 * energy is `thresholdDb` above an adaptive noise floor (and above an absolute minimum); speech starts after
 * `minSpeechFrames` consecutive loud frames and ends after `hangoverFrames` consecutive quiet ones. The floor
 * falls quickly and rises slowly between utterances, and creeps up very slowly even during "speech" so a
 * sustained noise step (a fan switching on) is eventually absorbed instead of holding the VAD open forever.
 */

export interface VadOptions {
  sampleRateHz?: number;
  /** dB above the noise floor for a frame to count as loud. */
  thresholdDb?: number;
  /** Frames below this level (dBFS) are never speech, whatever the floor. */
  minSpeechDb?: number;
  /** Consecutive loud frames before `speech_start` (onset evidence). */
  minSpeechFrames?: number;
  /** Consecutive quiet frames before `speech_end`. */
  hangoverFrames?: number;
  /**
   * Frames at the start used only to learn the noise floor (no detection), so a noisy line is not mistaken for
   * speech when the call connects.
   */
  warmupFrames?: number;
}

export interface VadEvent {
  type: 'speech_start' | 'speech_end';
  /** Stream time of the onset (start of the first loud frame) or offset (end of the last loud frame), in ms. */
  atMs: number;
  /** Stream time at which the event was decided (end of the frame that confirmed it), in ms. */
  decidedAtMs: number;
}

const SILENCE_DB = -100;
const FLOOR_FALL = 0.2;
const FLOOR_RISE = 0.02;
const FLOOR_CREEP = 0.002;

/** RMS level of a PCM16 frame in dBFS (-100 for digital silence). */
export function frameEnergyDb(frame: Int16Array): number {
  const n = frame.length;
  if (n === 0) return SILENCE_DB;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = frame[i]!;
    sum += x * x;
  }
  const meanSquare = sum / n / (32768 * 32768);
  return meanSquare > 1e-10 ? 10 * Math.log10(meanSquare) : SILENCE_DB;
}

export class EnergyVad {
  private readonly sampleRateHz: number;
  private readonly thresholdDb: number;
  private readonly minSpeechDb: number;
  private readonly minSpeechFrames: number;
  private readonly hangoverFrames: number;
  private floorDb = SILENCE_DB;
  private warmupLeft: number;
  private warmupSeen = 0;
  private speaking = false;
  private loudRun = 0;
  private quietRun = 0;
  private runStartMs = 0;
  private lastLoudEndMs = 0;
  private clockMs = 0;
  private lastDb = SILENCE_DB;

  constructor(opts: VadOptions = {}) {
    this.sampleRateHz = opts.sampleRateHz ?? 8000;
    this.thresholdDb = opts.thresholdDb ?? 9;
    this.minSpeechDb = opts.minSpeechDb ?? -50;
    this.minSpeechFrames = Math.max(1, opts.minSpeechFrames ?? 3);
    this.hangoverFrames = Math.max(1, opts.hangoverFrames ?? 15);
    this.warmupLeft = Math.max(0, opts.warmupFrames ?? 10);
  }

  get isSpeech(): boolean {
    return this.speaking;
  }

  get noiseFloorDb(): number {
    return this.floorDb;
  }

  /** Level of the last processed frame, dBFS. */
  get lastEnergyDb(): number {
    return this.lastDb;
  }

  /**
   * Processes one frame. `startMs` is the frame's stream time (e.g. Twilio's media timestamp); without it the VAD
   * keeps its own clock from the frame durations.
   */
  process(frame: Int16Array, startMs?: number): VadEvent | undefined {
    const frameStartMs = startMs ?? this.clockMs;
    const frameEndMs = frameStartMs + (frame.length * 1000) / this.sampleRateHz;
    this.clockMs = frameEndMs;
    const db = frameEnergyDb(frame);
    this.lastDb = db;
    if (this.warmupLeft > 0) {
      this.warmupLeft--;
      // Running mean of the warm-up frames' levels.
      this.warmupSeen++;
      this.floorDb += (db - this.floorDb) / this.warmupSeen;
      return undefined;
    }
    const loud = db >= this.minSpeechDb && db >= this.floorDb + this.thresholdDb;

    if (loud) {
      this.floorDb += (db - this.floorDb) * FLOOR_CREEP;
      this.quietRun = 0;
      this.lastLoudEndMs = frameEndMs;
      if (this.loudRun === 0) this.runStartMs = frameStartMs;
      this.loudRun++;
      if (!this.speaking && this.loudRun >= this.minSpeechFrames) {
        this.speaking = true;
        return { type: 'speech_start', atMs: this.runStartMs, decidedAtMs: frameEndMs };
      }
      return undefined;
    }

    this.loudRun = 0;
    if (!this.speaking) {
      this.floorDb += (db - this.floorDb) * (db < this.floorDb ? FLOOR_FALL : FLOOR_RISE);
      return undefined;
    }
    this.quietRun++;
    if (this.quietRun >= this.hangoverFrames) {
      this.speaking = false;
      this.quietRun = 0;
      return { type: 'speech_end', atMs: this.lastLoudEndMs, decidedAtMs: frameEndMs };
    }
    return undefined;
  }

  /** Forgets speech state (keeps the learned noise floor). */
  reset(): void {
    this.speaking = false;
    this.loudRun = 0;
    this.quietRun = 0;
  }
}
