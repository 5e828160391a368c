/**
 * The speech and language providers this process uses, built once from config and announced in the banner.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { SpeechSynthesizer } from '../providers/tts.js';
import { EspeakSynthesizer } from '../providers/local/espeak-tts.js';

export interface Providers {
  tts: SpeechSynthesizer;
}

declare module 'fastify' {
  interface FastifyInstance {
    providers: Providers;
  }
}

export default fp(
  async function providersPlugin(app: FastifyInstance, opts: { config: Config; providers?: Partial<Providers> }) {
    const tts = opts.providers?.tts ?? new EspeakSynthesizer();
    app.decorate('providers', { tts });
    app.adapters.set('text-to-speech', opts.providers?.tts ? `${tts.name} (injected)` : 'espeak-ng (local WASM voice)');
  },
  { name: 'providers', dependencies: ['adapters'] },
);
