/**
 * Simulated providers for the voice-pipeline benchmark, with exactly known latencies, plus the per-call probe that
 * timestamps each stage of a turn so the benchmark can split "our overhead" from the simulated provider time.
 *
 *   STT:   watches the audio it is sent (any byte ≠ 0xFF is speech); an interim transcript every `interimEveryFrames`
 *          speech frames; the final (`isFinal` + `speechFinal`) exactly `finalLatencyMs` after the last speech frame
 *          was received (armed when the first silent frame shows the caller stopped).
 *   Agent: the whole first sentence as one text delta exactly `firstSentenceMs` after `respond()`, then the rest
 *          word by word every `tokenIntervalMs`.
 *   TTS:   first chunk exactly `firstByteMs` after `synthesize()`, then one chunk of `chunkBytes` every
 *          `chunkIntervalMs` (faster than real time); audio is pre-rendered pseudo-speech, cached per text.
 */
import { sleep } from '../../src/lib/abort.js';
import type { SpeechToText, SttEvent, SttStream, SttStreamOptions } from '../../src/providers/stt.js';
import { synthesizeSentences, type SpeechSynthesizer, type SynthesisOptions } from '../../src/providers/tts.js';
import { pseudoSpeechMulaw } from '../../src/providers/testing/index.js';
import type { AgentEvent, ConversationAgent, UserTurn } from '../../src/voice/agent.js';

export interface SimLatencies {
  /** Last speech frame received → final transcript with `speechFinal` (endpointing + recognition). */
  sttFinalMs: number;
  /** `respond()` → the first complete sentence of the reply. */
  agentFirstSentenceMs: number;
  /** Between the agent's later words. */
  agentTokenIntervalMs: number;
  /** `synthesize()` → first audio chunk. */
  ttsFirstByteMs: number;
  /** Between later audio chunks (each `ttsChunkBytes` long). */
  ttsChunkIntervalMs: number;
  ttsChunkBytes: number;
}

export const DEFAULT_LATENCIES: SimLatencies = {
  sttFinalMs: 150,
  agentFirstSentenceMs: 200,
  agentTokenIntervalMs: 15,
  ttsFirstByteMs: 100,
  ttsChunkIntervalMs: 20, // 800 B = 100 ms of audio every 20 ms: 5x real time
  ttsChunkBytes: 800,
};

/** Stage timestamps (performance.now() ms) of one caller turn, from the caller stopping to the first agent frame. */
export interface TurnTrace {
  /** The caller's last speech frame was handed to the session. */
  stopAt: number;
  bargedIn: boolean;
  sttFinalAt?: number;
  respondAt?: number;
  firstSentenceAt?: number;
  synthAt?: number;
  firstChunkAt?: number;
  firstFrameAt?: number;
  replyId?: string;
}

export interface BargeInTrace {
  /** Clock time of the first speech sample of the interruption (start of its first frame's audio). */
  onsetAt: number;
  clearAt?: number;
  /** The core's own figure from its `bargein.pause` event. */
  coreOnsetToClearMs?: number;
}

/** Per-call stage timestamps, written by the simulated providers and the transport; read by the driver. */
export class CallProbe {
  trace: TurnTrace | undefined;
  bargeIn: BargeInTrace | undefined;
  /** What the simulated candidate is saying (the STT transcribes this). */
  saying = '';
  private readonly waiters = new Set<() => void>();

  onSttFinal(at: number): void {
    const t = this.trace;
    if (t && t.sttFinalAt === undefined && at >= t.stopAt) t.sttFinalAt = at;
  }

  /** Returns the trace when this `respond()` is the traced turn's reply. */
  onRespond(at: number): TurnTrace | undefined {
    const t = this.trace;
    if (!t || t.sttFinalAt === undefined || t.respondAt !== undefined) return undefined;
    t.respondAt = at;
    return t;
  }

  /** Returns the trace when this `synthesize()` is the traced reply's first. */
  onSynthesize(at: number): TurnTrace | undefined {
    const t = this.trace;
    if (!t || t.firstSentenceAt === undefined || t.synthAt !== undefined) return undefined;
    t.synthAt = at;
    return t;
  }

  onFrame(at: number, replyId: string | undefined): void {
    const t = this.trace;
    if (!t || t.firstChunkAt === undefined || t.firstFrameAt !== undefined) return;
    t.firstFrameAt = at;
    t.replyId = replyId;
    this.notify();
  }

  onClear(at: number): void {
    const b = this.bargeIn;
    if (b && b.clearAt === undefined && at >= b.onsetAt) b.clearAt = at;
  }

  /** Resolves true once `pred()` holds (checked on `notify()`), false after `timeoutMs`. */
  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred()) return;
        done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      this.waiters.add(check);
    });
  }

  notify(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w();
  }
}

// ---- STT ---------------------------------------------------------------------------------------------------

const SILENCE_BYTE = 0xff;

function isSpeechFrame(audio: Uint8Array): boolean {
  for (let i = 0; i < audio.length; i += 4) if (audio[i] !== SILENCE_BYTE) return true;
  return false;
}

function transcript(text: string, isFinal: boolean, startMs: number, durationMs: number): SttEvent {
  return { type: 'transcript', isFinal, speechFinal: isFinal, fromFinalize: false, text, confidence: 0.95, words: [], startMs, durationMs };
}

class SimSttStream implements SttStream {
  private readonly queue: SttEvent[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private inSpeech = false;
  private speechFrames = 0;
  private lastSpeechAt = 0;
  private streamMs = 0;
  private utteranceStartMs = 0;
  private text = '';
  private finalTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    opts: SttStreamOptions,
    private readonly latencyMs: number,
    private readonly interimEveryFrames: number,
    private readonly probe: CallProbe,
  ) {
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  send(audio: Uint8Array): void {
    if (this.closed) return;
    const frameMs = audio.length / 8;
    this.streamMs += frameMs;
    if (isSpeechFrame(audio)) {
      if (!this.inSpeech) {
        this.inSpeech = true;
        this.speechFrames = 0;
        this.utteranceStartMs = this.streamMs - frameMs;
        this.text = this.probe.saying;
        if (this.finalTimer) clearTimeout(this.finalTimer);
        this.finalTimer = undefined;
      }
      this.speechFrames++;
      this.lastSpeechAt = performance.now();
      if (this.speechFrames % this.interimEveryFrames === 0) {
        const words = this.text.split(' ');
        const heard = words.slice(0, Math.min(words.length, 3 * (this.speechFrames / this.interimEveryFrames))).join(' ');
        this.push(transcript(heard, false, this.utteranceStartMs, this.streamMs - this.utteranceStartMs));
      }
      return;
    }
    if (!this.inSpeech) return;
    // The first silent frame shows the caller stopped: the final comes `latencyMs` after the last speech frame.
    this.inSpeech = false;
    const text = this.text;
    const startMs = this.utteranceStartMs;
    const durationMs = this.streamMs - frameMs - startMs;
    const delayMs = Math.max(0, this.lastSpeechAt + this.latencyMs - performance.now());
    this.finalTimer = setTimeout(() => {
      this.finalTimer = undefined;
      this.probe.onSttFinal(performance.now());
      this.push(transcript(text, true, startMs, durationMs));
    }, delayMs);
  }

  finalize(): void {}

  async *events(): AsyncGenerator<SttEvent> {
    for (;;) {
      const ev = this.queue.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.finalTimer) clearTimeout(this.finalTimer);
    this.notify();
  }

  private push(ev: SttEvent): void {
    if (this.closed) return;
    this.queue.push(ev);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

export class SimSpeechToText implements SpeechToText {
  readonly name = 'sim-stt';
  constructor(
    private readonly latencies: SimLatencies,
    private readonly probe: CallProbe,
    private readonly interimEveryFrames = 25,
  ) {}

  async open(opts: SttStreamOptions): Promise<SttStream> {
    return new SimSttStream(opts, this.latencies.sttFinalMs, this.interimEveryFrames, this.probe);
  }
}

// ---- TTS ---------------------------------------------------------------------------------------------------

/** Agent speech: 40 ms of audio per character (a reply of ~90 characters is ~3.6 s). */
export const TTS_MS_PER_CHAR = 40;
const audioCache = new Map<string, Uint8Array>();

export function synthesizedAudio(text: string): Uint8Array {
  let audio = audioCache.get(text);
  if (!audio) {
    audio = pseudoSpeechMulaw(text, { msPerChar: TTS_MS_PER_CHAR });
    audioCache.set(text, audio);
  }
  return audio;
}

export class SimSynthesizer implements SpeechSynthesizer {
  readonly name = 'sim-tts';
  constructor(
    private readonly latencies: SimLatencies,
    private readonly probe: CallProbe,
  ) {}

  async *synthesize(text: string, opts: SynthesisOptions = {}): AsyncGenerator<Uint8Array> {
    const { signal } = opts;
    const started = performance.now();
    const trace = this.probe.onSynthesize(started);
    const { ttsFirstByteMs, ttsChunkIntervalMs, ttsChunkBytes } = this.latencies;
    const audio = synthesizedAudio(text);
    try {
      await sleep(ttsFirstByteMs, signal);
      for (let offset = 0; offset < audio.length; offset += ttsChunkBytes) {
        if (signal?.aborted) return;
        if (offset === 0) {
          const at = performance.now();
          opts.onFirstByte?.(at - started);
          if (trace) trace.firstChunkAt = at;
        } else {
          if (ttsChunkIntervalMs > 0) await sleep(ttsChunkIntervalMs, signal);
        }
        yield audio.subarray(offset, offset + ttsChunkBytes);
      }
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
  }

  synthesizeStream(text: AsyncIterable<string>, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    return synthesizeSentences(this, text, opts);
  }
}

// ---- Agent -------------------------------------------------------------------------------------------------

export const OPENING = 'Hi, this is the screening call, and it is recorded. Shall we begin?';
/** Replies: a short first sentence, then more; each about 3.5 s of audio. */
export const REPLIES = [
  'Thanks, that is helpful. How did you handle schema migrations on that service, and who reviewed them?',
  'Great, thank you. Tell me about a production incident you led, and what you changed afterwards.',
  'Understood, that makes sense. Which parts of the system would you redesign today, and why?',
];

export class SimAgent implements ConversationAgent {
  private next = 0;
  constructor(
    private readonly latencies: SimLatencies,
    private readonly probe: CallProbe,
  ) {}

  opening(): string {
    return OPENING;
  }

  async *respond(_turn: UserTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    const trace = this.probe.onRespond(performance.now());
    const text = REPLIES[this.next++ % REPLIES.length]!;
    const cut = text.indexOf('. ') + 2;
    const words = text.slice(cut).split(' ');
    try {
      await sleep(this.latencies.agentFirstSentenceMs, signal);
      if (trace) trace.firstSentenceAt = performance.now();
      yield { type: 'text', delta: text.slice(0, cut) };
      for (const word of words) {
        await sleep(this.latencies.agentTokenIntervalMs, signal);
        yield { type: 'text', delta: `${word} ` };
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  onSpoken(): void {}

  patience(): 'normal' | 'patient' {
    return 'normal';
  }
}
