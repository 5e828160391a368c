/** ElevenLabs adapter configuration, its defaults, and how it is read from the environment. */

/** "Rachel", one of ElevenLabs' premade voices available on every account. */
export const DEFAULT_ELEVENLABS_VOICE_ID = '21m00Tcm4TlvDq8ikWAM';
/** "Ultra-low latency" model; fine for phone audio. */
export const DEFAULT_ELEVENLABS_MODEL_ID = 'eleven_flash_v2_5';
export const ELEVENLABS_PRODUCTION_URL = 'https://api.elevenlabs.io';
/** Twilio plays this directly: mu-law, 8 kHz, mono, no header. */
export const ELEVENLABS_OUTPUT_FORMAT = 'ulaw_8000';

export interface ElevenLabsTtsConfig {
  apiKey: string;
  /** `ELEVENLABS_BASE_URL`; a simulator in tests. Defaults to the production API. */
  baseUrl?: string;
  /** `ELEVENLABS_VOICE_ID`. */
  voiceId?: string;
  modelId?: string;
  /** 0–4; 3 is the strongest setting that keeps text normalisation. */
  optimizeStreamingLatency?: number;
  /** Request sent (or, for streamed input, text committed) → first audio byte. */
  firstByteTimeoutMs?: number;
  /** Longest gap between audio chunks once audio is owed. */
  stallTimeoutMs?: number;
  /** stream-input: the server closes the socket after this long without text (ElevenLabs default 20). */
  inactivityTimeoutS?: number;
  /** stream-input: characters buffered before generation starts (ElevenLabs default [120,160,250,290]). */
  chunkLengthSchedule?: number[];
  /** stream-input: send `try_trigger_generation: true` with every text piece. */
  tryTriggerGeneration?: boolean;
}

export type ResolvedElevenLabsConfig = Required<Omit<ElevenLabsTtsConfig, 'chunkLengthSchedule'>> &
  Pick<ElevenLabsTtsConfig, 'chunkLengthSchedule'>;

export function resolveElevenLabsConfig(config: ElevenLabsTtsConfig): ResolvedElevenLabsConfig {
  if (!config.apiKey) throw new Error('ElevenLabs: apiKey is required');
  return {
    apiKey: config.apiKey,
    baseUrl: (config.baseUrl ?? ELEVENLABS_PRODUCTION_URL).replace(/\/+$/, ''),
    voiceId: config.voiceId ?? DEFAULT_ELEVENLABS_VOICE_ID,
    modelId: config.modelId ?? DEFAULT_ELEVENLABS_MODEL_ID,
    optimizeStreamingLatency: config.optimizeStreamingLatency ?? 3,
    firstByteTimeoutMs: config.firstByteTimeoutMs ?? 3000,
    stallTimeoutMs: config.stallTimeoutMs ?? 5000,
    inactivityTimeoutS: config.inactivityTimeoutS ?? 20,
    chunkLengthSchedule: config.chunkLengthSchedule,
    tryTriggerGeneration: config.tryTriggerGeneration ?? false,
  };
}

/** Reads `ELEVENLABS_API_KEY`, `ELEVENLABS_BASE_URL`, `ELEVENLABS_VOICE_ID`, `ELEVENLABS_MODEL_ID`; undefined without a key. */
export function elevenLabsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ElevenLabsTtsConfig | undefined {
  const apiKey = env.ELEVENLABS_API_KEY?.trim();
  if (!apiKey) return undefined;
  return {
    apiKey,
    baseUrl: env.ELEVENLABS_BASE_URL?.trim() || undefined,
    voiceId: env.ELEVENLABS_VOICE_ID?.trim() || undefined,
    modelId: env.ELEVENLABS_MODEL_ID?.trim() || undefined,
  };
}

/** The WebSocket origin for an HTTP base URL: http → ws, https → wss (path prefix kept). */
export function wsBaseFor(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`ElevenLabs: unsupported base URL ${baseUrl}`);
  return url.toString().replace(/\/+$/, '');
}
