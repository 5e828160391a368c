export { FallbackChatModel } from './fallback-chat-model.js';
export type { FallbackChatModelOptions } from './fallback-chat-model.js';
export { FallbackSynthesizer } from './fallback-synthesizer.js';
export type { FallbackSynthesizerOptions } from './fallback-synthesizer.js';
export type { FallbackEventSink, FallbackPort, ProviderStatus } from './health.js';
