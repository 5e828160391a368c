/**
 * Local text-to-speech with eSpeak NG compiled to WASM (npm `espeak-ng`). LICENSE: espeak-ng is GPL-3.0-or-later;
 * operators distributing screenline with it should know (it is loaded lazily and only when this adapter is used).
 *
 * The package is an Emscripten CLI: each run instantiates the WASM module, writes a 22050 Hz 16-bit mono WAV into
 * its in-memory FS, and exits. A run blocks its thread for 100–300 ms, which would stall every call's pacer, so
 * runs happen in one worker thread (started on demand, ref'd only while requests are in flight, stopped after an
 * idle period). The main thread converts WAV → 8 kHz mu-law and yields ~100 ms chunks, sentence by sentence, so
 * the first audio arrives after the first sentence rather than the whole text. A byte-bounded LRU cache keyed by
 * (voice, rate, text) serves the interview's repeated lines.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { encodeMulaw } from '../../audio/mulaw.js';
import { resampleLinear } from '../../audio/resample.js';
import { readWav } from '../../audio/wav.js';
import { raceAbort } from '../../lib/abort.js';
import { ProviderError } from '../errors.js';
import { synthesizeSentences } from '../tts.js';
import type { SpeechSynthesizer, SynthesisOptions } from '../tts.js';

const PROVIDER = 'espeak';
const OUTPUT_RATE_HZ = 8000;

export interface EspeakOptions {
  /** eSpeak voice name, e.g. `en-us`, `en-gb`, `en-us+f3`. */
  voice?: string;
  /** Words per minute (eSpeak `-s`). */
  rateWpm?: number;
  /** Size of the yielded mu-law pieces, ms. */
  chunkMs?: number;
  /** Cache bound, bytes of mu-law audio. 0 disables the cache. */
  cacheMaxBytes?: number;
  /** Per-run timeout; the worker is restarted when a run exceeds it. */
  timeoutMs?: number;
  /** Stop the worker after this long without requests. */
  idleMs?: number;
}

interface RunResult {
  id: number;
  wav?: Uint8Array;
  status: number;
  stderr: string;
  error?: string;
}

// Runs inside the worker (CommonJS eval). One Emscripten instance per run: the CLI's main() exits afterwards.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
let factory;
let wasmBinary;
parentPort.on('message', async ({ id, args }) => {
  let status = 0;
  const stderr = [];
  try {
    factory ??= (await import(workerData.moduleUrl)).default;
    wasmBinary ??= readFileSync(workerData.wasmPath);
    const inst = await factory({
      arguments: args,
      wasmBinary,
      print() {},
      printErr(line) { if (stderr.length < 20) stderr.push(String(line)); },
      quit(code, toThrow) { status = code; throw toThrow; },
    });
    const wav = inst.FS.analyzePath('/out.wav').exists ? inst.FS.readFile('/out.wav') : undefined;
    parentPort.postMessage({ id, wav, status, stderr: stderr.join('\\n') }, wav ? [wav.buffer] : []);
  } catch (err) {
    parentPort.postMessage({ id, status, stderr: stderr.join('\\n'), error: String(err && err.message || err) });
  }
});
`;

/** One worker thread running eSpeak NG; requests are served in order. */
export class EspeakEngine {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly timeoutMs: number;
  private readonly idleMs: number;

  constructor(opts: { timeoutMs?: number; idleMs?: number } = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.idleMs = opts.idleMs ?? 30_000;
  }

  /** Runs the eSpeak CLI with `args` (output must go to `/out.wav`) and returns the WAV bytes. */
  async run(args: string[]): Promise<Uint8Array> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    worker.ref(); // keep the process alive while a caller awaits a result
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = await new Promise<RunResult>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        timer = setTimeout(() => {
          reject(new ProviderError(PROVIDER, 'timeout', `synthesis took over ${this.timeoutMs} ms`));
          this.stop().catch(() => undefined); // a wedged run: start a fresh worker next time
        }, this.timeoutMs);
        worker.postMessage({ id, args });
      });
      if (result.error || result.status !== 0 || !result.wav) {
        const detail = result.stderr || result.error || `exit status ${result.status}`;
        throw new ProviderError(PROVIDER, 'bad_request', `espeak-ng failed: ${detail}`, { retryable: false });
      }
      return result.wav;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
      this.settleIdle();
    }
  }

  /** Terminates the worker; in-flight runs reject. */
  async stop(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    const err = new ProviderError(PROVIDER, 'connection', 'espeak worker stopped');
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const modulePath = createRequire(import.meta.url).resolve('espeak-ng');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { moduleUrl: pathToFileURL(modulePath).href, wasmPath: join(dirname(modulePath), 'espeak-ng.wasm') },
    });
    worker.unref();
    worker.on('message', (msg: RunResult) => this.waiting.get(msg.id)?.resolve(msg));
    const fail = (cause: unknown) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const err = new ProviderError(PROVIDER, 'server', 'espeak worker died', { cause });
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settleIdle(): void {
    if (this.waiting.size > 0 || !this.worker) return;
    this.worker.unref();
    this.idleTimer = setTimeout(() => {
      this.stop().catch(() => undefined);
    }, this.idleMs);
    this.idleTimer.unref();
  }
}

/** Byte-bounded LRU (a Map keeps insertion order; a hit is re-inserted to become the newest). */
class AudioCache {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Uint8Array): void {
    if (value.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  get size(): number {
    return this.bytes;
  }
}

/** Control characters become spaces, whitespace collapses. */
export function sanitizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

const MAX_SENTENCE_CHARS = 300;

/** Splits at sentence ends (. ! ? ; …) followed by a space; very long runs split at the last comma or space. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const piece of sanitizeText(text).split(/(?<=[.!?;…])\s+/)) {
    let rest = piece.trim();
    while (rest.length > MAX_SENTENCE_CHARS) {
      const window = rest.slice(0, MAX_SENTENCE_CHARS);
      const cut = Math.max(window.lastIndexOf(', '), window.lastIndexOf(' '));
      const at = cut > MAX_SENTENCE_CHARS / 3 ? cut + 1 : MAX_SENTENCE_CHARS;
      out.push(rest.slice(0, at).trim());
      rest = rest.slice(at).trim();
    }
    if (rest) out.push(rest);
  }
  return out;
}

const VOICE_NAME = /^[A-Za-z0-9_+-]{1,40}$/;

function espeakArgs(text: string, voice: string, rateWpm: number): string[] {
  if (!VOICE_NAME.test(voice) || voice.startsWith('-')) {
    throw new ProviderError(PROVIDER, 'bad_request', `invalid voice name "${voice.slice(0, 40)}"`, { retryable: false });
  }
  // argv goes straight to main() (no shell); `--` ends option parsing so text starting with "-" is spoken.
  return ['-v', voice, '-s', String(Math.round(rateWpm)), '-w', '/out.wav', '--', text];
}
export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly name = 'espeak';
  private readonly engine: EspeakEngine;
  private readonly cache: AudioCache;
  private readonly voice: string;
  private readonly rateWpm: number;
  private readonly chunkBytes: number;

  constructor(opts: EspeakOptions = {}) {
    this.engine = new EspeakEngine({ timeoutMs: opts.timeoutMs, idleMs: opts.idleMs });
    this.cache = new AudioCache(opts.cacheMaxBytes ?? 4 * 1024 * 1024);
    this.voice = opts.voice ?? 'en-us';
    this.rateWpm = opts.rateWpm ?? 170;
    this.chunkBytes = Math.max(1, Math.round(((opts.chunkMs ?? 100) * OUTPUT_RATE_HZ) / 1000));
  }

  /** Bytes held by the cache. */
  get cachedBytes(): number {
    return this.cache.size;
  }

  async *synthesize(text: string, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    const { signal } = opts;
    if (signal?.aborted) return;
    const voice = opts.voiceId ?? this.voice;
    const sentences = splitSentences(text);
    const started = performance.now();
    const render = (i: number): Promise<Uint8Array> | undefined => {
      if (i >= sentences.length) return undefined;
      const p = this.renderMulaw(sentences[i]!, voice);
      p.catch(() => undefined); // surfaced when awaited; no unhandled rejection if we stop before that
      return p;
    };
    let first = true;
    // Render the next sentence while the current one is being consumed.
    let next = render(0);
    for (let i = 0; next; i++) {
      const audio = await untilAborted(next, signal);
      if (audio === undefined || signal?.aborted) return;
      next = render(i + 1);
      for (let off = 0; off < audio.length; off += this.chunkBytes) {
        if (signal?.aborted) return;
        if (first) {
          first = false;
          opts.onFirstByte?.(performance.now() - started);
        }
        yield audio.slice(off, off + this.chunkBytes);
      }
    }
  }

  synthesizeStream(text: AsyncIterable<string>, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    return synthesizeSentences(this, text, opts);
  }

  /** Stops the worker thread (a later call starts a new one). */
  close(): Promise<void> {
    return this.engine.stop();
  }

  private async renderMulaw(sentence: string, voice: string): Promise<Uint8Array> {
    const key = `${voice}\u0000${this.rateWpm}\u0000${sentence}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const wav = await this.engine.run(espeakArgs(sentence, voice, this.rateWpm));
    const { samples, sampleRateHz } = decodeWav(wav);
    const audio = encodeMulaw(resampleLinear(samples, sampleRateHz, OUTPUT_RATE_HZ));
    this.cache.set(key, audio);
    return audio;
  }
}

function decodeWav(wav: Uint8Array): { samples: Int16Array; sampleRateHz: number } {
  try {
    return readWav(wav);
  } catch (err) {
    throw new ProviderError(PROVIDER, 'protocol', 'espeak-ng produced an unreadable WAV', { cause: err });
  }
}

let sharedEngine: EspeakEngine | undefined;

/**
 * Whole text → PCM16 at eSpeak's native rate (22050 Hz), or at `sampleRateHz` if given. Used by the caller
 * simulator for the candidate's voice. An aborted call rejects with the signal's reason.
 */
export async function speakToPcm16(
  text: string,
  opts: { voice?: string; rateWpm?: number; sampleRateHz?: number; signal?: AbortSignal } = {},
): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  opts.signal?.throwIfAborted();
  const clean = sanitizeText(text);
  if (!clean) return { samples: new Int16Array(0), sampleRateHz: opts.sampleRateHz ?? 22050 };
  sharedEngine ??= new EspeakEngine();
  const wav = await untilAborted(sharedEngine.run(espeakArgs(clean, opts.voice ?? 'en-us', opts.rateWpm ?? 170)), opts.signal);
  opts.signal?.throwIfAborted();
  if (!wav) throw new Error('unreachable: aborted without a reason');
  const decoded = decodeWav(wav);
  if (!opts.sampleRateHz || opts.sampleRateHz === decoded.sampleRateHz) return decoded;
  return { samples: resampleLinear(decoded.samples, decoded.sampleRateHz, opts.sampleRateHz), sampleRateHz: opts.sampleRateHz };
}

/** Stops the worker used by `speakToPcm16` (tests, shutdown). */
export async function closeSharedEspeak(): Promise<void> {
  const engine = sharedEngine;
  sharedEngine = undefined;
  await engine?.stop();
}

/** Resolves undefined as soon as `signal` aborts (the run itself continues in the worker and is discarded). */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return promise;
  return raceAbort(promise, signal).catch((err: unknown) => {
    if (signal.aborted) return undefined;
    throw err instanceof Error ? err : new Error(String(err));
  });
}
