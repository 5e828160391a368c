/**
 * The speech and language providers this process uses, built once from config and announced in the banner.
 * Production adapters appear only when their keys are set; otherwise the local ones say exactly what they are.
 * Provider health is one board per port for the whole process; each call's fallback wrapper is a child of it
 * (see interview/live-call.ts), so every switch lands in that interview's event log and every outage spares
 * the next calls. Simulated speech-to-text comes only from an injected Simulation (never in production).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import type { SpeechToText } from '../providers/stt.js';
import type { ChatModel } from '../providers/llm.js';
import type { Providers } from '../providers/providers.js';
import { chatHealthBoard, ttsHealthBoard } from '../providers/fallback/index.js';
import type { Simulation } from './simulation.js';
import type { RecordEvent } from '../store/events/catalogue.js';
import { EspeakSynthesizer, closeSharedEspeak } from '../providers/local/espeak-tts.js';
import { DeepgramSpeechToText } from '../providers/deepgram/deepgram-stt.js';
import { OpenAiModel } from '../providers/openai/index.js';

export type { Providers } from '../providers/providers.js';

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
  async function providersPlugin(app: FastifyInstance, opts: { config: Config; providers?: ProviderOverrides; simulation?: Simulation }) {
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
    } else if (opts.simulation && config.nodeEnv !== 'production') {
      const simulation = opts.simulation;
      closers.push(() => simulation.close());
      sttIsSimulator = true;
      stt = simulation.stt;
      app.adapters.set('speech-to-text', simulation.describe);
    } else {
      throw new Error(
        'speech-to-text: DEEPGRAM_API_KEY is not set and no local simulation was started (run `screenline serve`, which starts one outside production)',
      );
    }

    // Text-to-speech
    let tts = o.tts;
    if (tts) app.adapters.set('text-to-speech', `${tts.map((t) => t.name).join(' → ')} (injected)`);
    else {
      const espeak = new EspeakSynthesizer();
      closers.push(() => closeSharedEspeak());
      if (config.elevenlabs.apiKey) {
        const { ElevenLabsSynthesizer } = await import('../providers/elevenlabs/index.js');
        const eleven = new ElevenLabsSynthesizer({ apiKey: config.elevenlabs.apiKey, baseUrl: config.elevenlabs.baseUrl, voiceId: config.elevenlabs.voiceId, modelId: config.elevenlabs.modelId });
        closers.push(() => eleven.close());
        tts = [eleven, espeak];
        app.adapters.set('text-to-speech', `elevenlabs ${config.elevenlabs.modelId} (ulaw_8000; each sentence over a stream-input socket opened while the reply is written, else HTTP), falling back to espeak-ng`);
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

    // One health board per port for the process: what one call learns about an outage, every call knows.
    const health: Providers['health'] = {
      llm: chat ? chatHealthBoard([chat], { probeIntervalMs: config.providerProbeIntervalMs, probeTimeoutMs: config.openai.firstTokenTimeoutMs, onEvent: processHealthEvent(app) }) : undefined,
      tts: tts.length > 1 ? ttsHealthBoard(tts, { probeIntervalMs: config.providerProbeIntervalMs, onEvent: processHealthEvent(app) }) : undefined,
    };
    closers.push(() => {
      health.llm?.close();
      health.tts?.close();
    });
    if (config.nodeEnv === 'production') {
      if (chat === undefined) app.adapters.set('language model', 'plan-driven interviewer (real, if plain: walks the interview plan with no model; set OPENAI_API_KEY for a conversational model)');
      if (tts.length === 1 && !o.tts) app.adapters.set('text-to-speech', 'espeak-ng (real, if plain: a local synthetic voice; set ELEVENLABS_API_KEY for a natural voice)');
    }

    const providers: Providers = { stt, tts, chat, health, sttIsSimulator };
    app.decorate('providers', providers);
    app.addHook('onClose', async () => {
      for (const close of closers.reverse()) await close();
    });
  },
  { name: 'providers', dependencies: ['adapters'] },
);

/** Process-level health changes go to the log (the calls that saw them have them in their event logs). */
function processHealthEvent(app: FastifyInstance): RecordEvent {
  return (type, payload) => app.log.warn({ event: type, detail: payload as Record<string, unknown> }, 'provider health changed');
}
