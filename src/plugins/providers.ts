/**
 * The speech and language providers this process uses, built once from config and announced in the banner.
 * Production adapters appear only when their keys are set; otherwise the local ones say exactly what they are.
 * Fallback wrappers are made per call (see interview/start-interview.ts) so every switch lands in that
 * interview's event log.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import type { SpeechToText } from '../providers/stt.js';
import type { ChatModel } from '../providers/llm.js';
import { EspeakSynthesizer, closeSharedEspeak } from '../providers/local/espeak-tts.js';
import { ElevenLabsSynthesizer } from '../providers/elevenlabs/index.js';
import { DeepgramSpeechToText } from '../providers/deepgram/deepgram-stt.js';
import { OpenAiModel } from '../providers/openai/index.js';
import { startDeepgramSim, type DeepgramSim } from '../sim/deepgram-sim.js';

export interface Providers {
  stt: SpeechToText;
  /** Synthesizers in fallback order; the last is always the local voice. */
  tts: SpeechSynthesizer[];
  /** The remote model when one is configured; the plan-driven interviewer is always the last resort. */
  chat?: ChatModel;
  /** Speech-to-text is the in-process Deepgram simulator (scripted candidates only). */
  sttIsSimulator: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    providers: Providers;
  }
}

export interface ProviderOverrides {
  stt?: SpeechToText;
  tts?: SpeechSynthesizer[];
  chat?: ChatModel | null;
}

export default fp(
  async function providersPlugin(app: FastifyInstance, opts: { config: Config; providers?: ProviderOverrides }) {
    const { config } = opts;
    const o = opts.providers ?? {};
    const closers: (() => Promise<void> | void)[] = [];

    // Speech-to-text
    let stt = o.stt;
    let sttIsSimulator = false;
    if (stt) app.adapters.set('speech-to-text', `${stt.name} (injected)`);
    else if (config.deepgram.apiKey) {
      stt = new DeepgramSpeechToText({ apiKey: config.deepgram.apiKey, url: config.deepgram.url, model: config.deepgram.model, endpointingMs: config.deepgram.endpointingMs, log: app.log as unknown as Logger });
      app.adapters.set('speech-to-text', `deepgram ${config.deepgram.model}${config.deepgram.url ? ` via ${config.deepgram.url}` : ''}`);
    } else {
      const sim: DeepgramSim = await startDeepgramSim({});
      closers.push(() => sim.close());
      sttIsSimulator = true;
      stt = new DeepgramSpeechToText({ apiKey: 'simulator', url: sim.url, endpointingMs: config.deepgram.endpointingMs, log: app.log as unknown as Logger });
      app.adapters.set('speech-to-text', `deepgram-protocol simulator at ${sim.url} (scripted candidates only: real callers are not transcribed; set DEEPGRAM_API_KEY)`);
    }

    // Text-to-speech
    let tts = o.tts;
    if (tts) app.adapters.set('text-to-speech', `${tts.map((t) => t.name).join(' → ')} (injected)`);
    else {
      const espeak = new EspeakSynthesizer();
      closers.push(() => closeSharedEspeak());
      if (config.elevenlabs.apiKey) {
        tts = [new ElevenLabsSynthesizer({ apiKey: config.elevenlabs.apiKey, baseUrl: config.elevenlabs.baseUrl, voiceId: config.elevenlabs.voiceId, modelId: config.elevenlabs.modelId }), espeak];
        app.adapters.set('text-to-speech', `elevenlabs ${config.elevenlabs.modelId} (ulaw_8000), falling back to espeak-ng`);
      } else {
        tts = [espeak];
        app.adapters.set('text-to-speech', 'espeak-ng (local WASM voice; set ELEVENLABS_API_KEY for a natural voice)');
      }
    }

    // Language model
    let chat: ChatModel | undefined = o.chat === null ? undefined : o.chat;
    if (o.chat !== undefined) app.adapters.set('language model', chat ? `${chat.name} (injected), falling back to the plan-driven interviewer` : 'plan-driven interviewer (injected: no model)');
    else if (config.openai.apiKey || config.openai.baseUrl) {
      chat = new OpenAiModel({ apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, model: config.openai.model, embeddingModel: config.openai.embeddingModel, firstTokenTimeoutMs: config.openai.firstTokenTimeoutMs });
      app.adapters.set('language model', `${chat.name}${config.openai.baseUrl ? ` at ${config.openai.baseUrl}` : ''}, falling back to the plan-driven interviewer`);
    } else {
      app.adapters.set('language model', 'plan-driven interviewer (no model: walks the interview plan; set OPENAI_API_KEY or OPENAI_BASE_URL)');
    }

    app.decorate('providers', { stt, tts, chat, sttIsSimulator });
    app.addHook('onClose', async () => {
      for (const close of closers.reverse()) await close();
    });
  },
  { name: 'providers', dependencies: ['adapters'] },
);
