/** The speech and language providers one process uses, as the use cases see them (ports only, no vendor code). */
import type { ChatModel } from './llm.js';
import type { SpeechToText } from './stt.js';
import type { SpeechSynthesizer } from './tts.js';
import type { HealthBoard } from './fallback/health.js';

export interface Providers {
  stt: SpeechToText;
  /** Synthesizers in fallback order; the last is always the local voice. */
  tts: SpeechSynthesizer[];
  /** The remote model when one is configured; the plan-driven interviewer is always the last resort. */
  chat?: ChatModel;
  /**
   * Process-wide provider health, one board per port: an outage found on one call spares the next calls the
   * timeout. Each call's fallback wrapper is a child of these.
   */
  health: { llm?: HealthBoard<ChatModel>; tts?: HealthBoard<SpeechSynthesizer> };
  /** Speech-to-text is the Deepgram-protocol simulator (scripted candidates only; never in production). */
  sttIsSimulator: boolean;
}
