export { ElevenLabsSynthesizer } from './elevenlabs-tts.js';
export {
  DEFAULT_ELEVENLABS_MODEL_ID,
  DEFAULT_ELEVENLABS_VOICE_ID,
  ELEVENLABS_OUTPUT_FORMAT,
  elevenLabsConfigFromEnv,
} from './config.js';
export type { ElevenLabsTtsConfig } from './config.js';
