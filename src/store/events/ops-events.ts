/** Event types written for operations (docs/events.md, "Operations events", documents each). */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const N = Type.Number();

export const opsEvents = {
  'call.cost': event('The cost estimate of this call at the COST_* prices, written just before `call.ended`.', {
    currency: Type.String(),
    usage: Type.Object({
      sttSeconds: N,
      llmPromptTokens: N,
      llmCompletionTokens: N,
      ttsCharacters: N,
      telephonySeconds: N,
      telephonyBilledMinutes: N,
    }),
    components: Type.Object({ stt: N, llm: N, tts: N, telephony: N }),
    total: N,
    prices: Type.Object({
      sttPerMinute: N,
      llmInputPer1kTokens: N,
      llmOutputPer1kTokens: N,
      ttsPer1kChars: N,
      telephonyPerMinute: N,
    }),
  }),
} as const;
