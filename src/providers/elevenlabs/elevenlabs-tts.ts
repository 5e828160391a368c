/**
 * ElevenLabs text-to-speech: one utterance over the HTTP stream endpoint (via the SDK) or, when a reply asked for one
 * ahead (`warm`), over a stream-input WebSocket opened while the model was still writing; or streamed text over the
 * stream-input WebSocket. All produce `ulaw_8000`, which Twilio plays as is.
 */
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { ProviderError } from '../errors.js';
import type { SpeechSynthesizer, SynthesisOptions, WarmOptions } from '../tts.js';
import type { ElevenLabsTtsConfig, ResolvedElevenLabsConfig } from './config.js';
import { ELEVENLABS_OUTPUT_FORMAT, resolveElevenLabsConfig } from './config.js';
import { PROVIDER, mapHttpError } from './errors.js';
import { streamInput } from './stream-input.js';
import { WarmSockets, type WarmSocketsOptions } from './warm-sockets.js';

export class ElevenLabsSynthesizer implements SpeechSynthesizer {
  readonly name = PROVIDER;
  private readonly config: ResolvedElevenLabsConfig;
  private readonly client: ElevenLabsClient;
  private readonly warmSockets: WarmSockets;

  constructor(config: ElevenLabsTtsConfig, opts: { warm?: WarmSocketsOptions } = {}) {
    this.config = resolveElevenLabsConfig(config);
    this.warmSockets = new WarmSockets(this.config, opts.warm);
    // Retries are the fallback wrapper's decision, not the SDK's: a retry here would silently double the latency.
    this.client = new ElevenLabsClient({ apiKey: this.config.apiKey, baseUrl: this.config.baseUrl, maxRetries: 0 });
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
      const body = await this.client.textToSpeech.stream(
        opts.voiceId ?? this.config.voiceId,
        {
          text,
          modelId: this.config.modelId,
          outputFormat: ELEVENLABS_OUTPUT_FORMAT,
          optimizeStreamingLatency: this.config.optimizeStreamingLatency,
        },
        {
          abortSignal: controller.signal,
          maxRetries: 0,
          // The SDK's own timer is neither unref'd nor cleared when fetch rejects; keep it no longer than ours.
          timeoutInSeconds: firstByteTimeoutMs / 1000,
        },
      );
      reader = body.getReader();
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

  synthesizeStream(text: AsyncIterable<string>, opts: SynthesisOptions = {}): AsyncIterable<Uint8Array> {
    return streamInput(this.config, text, opts);
  }
}

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}
