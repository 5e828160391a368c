/**
 * ElevenLabs text-to-speech: one utterance over the HTTP stream endpoint or, when a reply asked for one ahead
 * (`warm`), over a stream-input WebSocket opened while the model was still writing; or streamed text over the
 * stream-input WebSocket. All produce `ulaw_8000`, which Twilio plays as is.
 *
 * Plain `fetch` and `ws`, not `@elevenlabs/elevenlabs-js`: the SDK ships no stream-input client, and for the one
 * HTTP call it held 28 MB of every web process's live heap (5,400 modules of generated serialisers), a third of
 * it, which every full GC marks on the call path (docs/operations/capacity.md). Retries stay the fallback wrapper's.
 */
import { ProviderError } from '../errors.js';
import type { SpeechSynthesizer, SynthesisOptions, WarmOptions } from '../tts.js';
import type { ElevenLabsTtsConfig, ResolvedElevenLabsConfig } from './config.js';
import { ELEVENLABS_OUTPUT_FORMAT, resolveElevenLabsConfig } from './config.js';
import { PROVIDER, errorForStatus, mapHttpError } from './errors.js';
import { streamInput } from './stream-input.js';
import { WarmSockets, type WarmSocketsOptions } from './warm-sockets.js';

export class ElevenLabsSynthesizer implements SpeechSynthesizer {
  readonly name = PROVIDER;
  private readonly config: ResolvedElevenLabsConfig;
  private readonly warmSockets: WarmSockets;

  constructor(config: ElevenLabsTtsConfig, opts: { warm?: WarmSocketsOptions } = {}) {
    this.config = resolveElevenLabsConfig(config);
    this.warmSockets = new WarmSockets(this.config, opts.warm);
  }

  /** Opens a stream-input socket for the next sentence now, while the reply is still being written (warm-sockets.ts). */
  warm(opts: WarmOptions = {}): void {
    this.warmSockets.open(opts.voiceId ?? this.config.voiceId, opts.signal);
  }

  /** Sockets opened ahead and not yet used or closed. */
  get warmSocketsHeld(): number {
    return this.warmSockets.size;
  }

  close(): void {
    this.warmSockets.closeAll();
  }

  /** Over a socket opened ahead when one is held for the voice, else over the HTTP stream endpoint. */
  async *synthesize(text: string, opts: SynthesisOptions = {}): AsyncGenerator<Uint8Array> {
    if (opts.signal?.aborted || !text.trim()) return;
    const ws = this.warmSockets.take(opts.voiceId ?? this.config.voiceId);
    if (ws) {
      let gotAudio = false;
      try {
        for await (const chunk of streamInput(this.config, single(text), opts, ws)) {
          gotAudio = true;
          yield chunk;
        }
        return;
      } catch (err) {
        // A prepared socket that failed before any audio (the server closed it while it waited, say) is no verdict
        // on ElevenLabs: the sentence goes over HTTP as if none had been prepared. After audio, or after the whole
        // first-byte wait, it is the provider's failure and the fallback wrapper's to handle.
        if (gotAudio || opts.signal?.aborted || (err instanceof ProviderError && err.kind === 'timeout')) throw err;
        this.preparedFailures++;
      }
    }
    yield* this.synthesizeHttp(text, opts);
  }

  /** Prepared sockets that failed before their first audio (the sentence then went over HTTP). */
  preparedFailures = 0;

  private async *synthesizeHttp(text: string, opts: SynthesisOptions): AsyncGenerator<Uint8Array> {
    const callerSignal = opts.signal;
    if (callerSignal?.aborted) return;
    const { firstByteTimeoutMs, stallTimeoutMs } = this.config;

    // One controller for the whole request: the caller's abort, our deadlines and an early `break` all end here.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let timedOut: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = what;
        controller.abort();
      }, ms);
    };

    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const started = performance.now();
    let gotFirstByte = false;
    try {
      arm(firstByteTimeoutMs, `no audio within ${firstByteTimeoutMs} ms`);
      const res = await fetch(this.streamUrl(opts.voiceId ?? this.config.voiceId), {
        method: 'POST',
        headers: { 'xi-api-key': this.config.apiKey, 'content-type': 'application/json', accept: 'audio/basic' },
        body: JSON.stringify({ text, model_id: this.config.modelId }),
        signal: controller.signal,
      });
      if (!res.ok) throw errorForStatus(res.status, await res.text().catch(() => ''));
      if (!res.body) throw new ProviderError(PROVIDER, 'protocol', 'response had no body');
      reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        clearTimeout(timer);
        if (controller.signal.aborted) break;
        if (done) break;
        if (!value || value.byteLength === 0) continue;
        if (!gotFirstByte) {
          gotFirstByte = true;
          opts.onFirstByte?.(performance.now() - started);
        }
        yield value;
        if (controller.signal.aborted) break;
        // The stall clock runs only while we wait on ElevenLabs, not while our consumer holds the chunk.
        arm(stallTimeoutMs, `audio stalled for ${stallTimeoutMs} ms`);
      }
      if (timedOut) throw new ProviderError(PROVIDER, 'timeout', timedOut);
      if (!gotFirstByte && !callerSignal?.aborted) throw new ProviderError(PROVIDER, 'protocol', 'response had no audio');
    } catch (err) {
      if (callerSignal?.aborted) return;
      if (timedOut) throw new ProviderError(PROVIDER, 'timeout', timedOut, { cause: err });
      throw mapHttpError(err);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      // Cancelling the body and aborting closes the HTTP request, so ElevenLabs stops generating (and billing).
      if (!controller.signal.aborted) controller.abort();
      reader?.cancel().catch(() => {});
    }
  }

  /** `POST /v1/text-to-speech/{voice}/stream`: the text and model in the body, the format and latency mode in the query. */
  private streamUrl(voiceId: string): string {
    const url = new URL(`${this.config.baseUrl}/v1/text-to-speech/${encodeURIComponent(voiceId)}/stream`);
    url.searchParams.set('output_format', ELEVENLABS_OUTPUT_FORMAT);
    url.searchParams.set('optimize_streaming_latency', String(this.config.optimizeStreamingLatency));
    return url.toString();
  }

  synthesizeStream(text: AsyncIterable<string>, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    return streamInput(this.config, text, opts);
  }
}

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}
