/**
 * The cost estimate of one interview call: what it used (caller audio streamed to speech-to-text, model tokens,
 * characters sent to synthesis, call minutes) priced at the operator's COST_* prices. It is an estimate for
 * capacity planning and budgets, not an invoice: the vendors' own rounding and discounts are not modelled, except
 * telephony, which carriers bill per started minute.
 */
import type { CostPrices } from '../config.js';
import type { SpeechSynthesizer, SynthesisOptions, WarmOptions } from '../providers/tts.js';

export interface CallUsage {
  sttSeconds: number;
  llmPromptTokens: number;
  llmCompletionTokens: number;
  ttsCharacters: number;
  telephonySeconds: number;
}

export interface CostEstimate {
  currency: string;
  usage: CallUsage & { telephonyBilledMinutes: number };
  /** Money per component, rounded to 1e-6. */
  components: { stt: number; llm: number; tts: number; telephony: number };
  total: number;
  prices: Omit<CostPrices, 'currency'>;
}

const money = (n: number) => Math.round(n * 1e6) / 1e6;

export function estimateCost(usage: CallUsage, prices: CostPrices): CostEstimate {
  const telephonyBilledMinutes = usage.telephonySeconds > 0 ? Math.ceil(usage.telephonySeconds / 60) : 0;
  const components = {
    stt: money((usage.sttSeconds / 60) * prices.sttPerMinute),
    llm: money((usage.llmPromptTokens / 1000) * prices.llmInputPer1kTokens + (usage.llmCompletionTokens / 1000) * prices.llmOutputPer1kTokens),
    tts: money((usage.ttsCharacters / 1000) * prices.ttsPer1kChars),
    telephony: money(telephonyBilledMinutes * prices.telephonyPerMinute),
  };
  const { currency, ...rest } = prices;
  return {
    currency,
    usage: {
      sttSeconds: Math.round(usage.sttSeconds * 1000) / 1000,
      llmPromptTokens: usage.llmPromptTokens,
      llmCompletionTokens: usage.llmCompletionTokens,
      ttsCharacters: usage.ttsCharacters,
      telephonySeconds: Math.round(usage.telephonySeconds * 1000) / 1000,
      telephonyBilledMinutes,
    },
    components,
    total: money(components.stt + components.llm + components.tts + components.telephony),
    prices: rest,
  };
}

/** Counts the characters a call sends to synthesis (once per request: a fallback's retry of the same text is not counted again). */
export class TtsCharacterMeter {
  characters = 0;

  wrap(tts: SpeechSynthesizer): SpeechSynthesizer {
    const count = (text: string) => {
      this.characters += text.length;
    };
    return {
      get name() {
        return tts.name;
      },
      synthesize(text: string, opts?: SynthesisOptions) {
        count(text);
        return tts.synthesize(text, opts);
      },
      synthesizeStream(text: AsyncIterable<string>, opts?: SynthesisOptions) {
        return tts.synthesizeStream(counted(text, count), opts);
      },
      warm(opts?: WarmOptions) {
        tts.warm?.(opts);
      },
    };
  }
}

async function* counted(pieces: AsyncIterable<string>, count: (text: string) => void): AsyncIterable<string> {
  for await (const piece of pieces) {
    count(piece);
    yield piece;
  }
}
