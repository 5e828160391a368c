export { OpenAiModel } from './openai-chat.js';
export type { OpenAiConfig } from './openai-chat.js';
export { toProviderError as openAiErrorToProviderError } from './error-mapping.js';
