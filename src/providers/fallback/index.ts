export { FallbackChatModel, chatHealthBoard } from './fallback-chat-model.js';
export type { FallbackChatModelOptions } from './fallback-chat-model.js';
export { FallbackSynthesizer, ttsHealthBoard } from './fallback-synthesizer.js';
export type { FallbackSynthesizerOptions } from './fallback-synthesizer.js';
export type { FallbackEventSink, FallbackPort, ProviderStatus } from './health.js';
export { HealthBoard } from './health.js';
