/**
 * Test double: a ChatModel that plays scripted turns (events, delays, errors, hangs), honours abort by stopping
 * quietly, and records every request. For stage tests and the fallback wrappers' tests; never used in production.
 */
import { sleep } from '../../lib/abort.js';
import { ProviderError } from '../errors.js';
import type { ProviderErrorKind } from '../errors.js';
import type { ChatEvent, ChatModel, ChatRequest, ToolCall } from '../llm.js';

export type ScriptStep =
  | ChatEvent
  /** Wait this long (abortable). */
  | { type: 'delay'; ms: number }
  /** Throw this error. */
  | { type: 'error'; error: unknown }
  /** Wait until the request is aborted (a provider that never answers). */
  | { type: 'hang' };

export type ChatScript = ScriptStep[];

export interface ScriptedChatModelOptions {
  name?: string;
  /** One script per `stream()` call, in order (the last one repeats), or a function of the request and call index. */
  turns: ChatScript[] | ((req: ChatRequest, callIndex: number) => ChatScript);
}

export class ScriptedChatModel implements ChatModel {
  readonly name: string;
  readonly requests: ChatRequest[] = [];
  /** Calls that ended because their signal aborted. */
  aborted = 0;
  private turns: ScriptedChatModelOptions['turns'];

  constructor(opts: ScriptedChatModelOptions) {
    this.name = opts.name ?? 'scripted';
    this.turns = opts.turns;
  }

  /** Replace the script for the calls that follow (e.g. make a failing model healthy again). */
  setTurns(turns: ScriptedChatModelOptions['turns']): void {
    this.turns = turns;
  }

  async *stream(req: ChatRequest): AsyncGenerator<ChatEvent> {
    const index = this.requests.length;
    this.requests.push(req);
    const script = typeof this.turns === 'function' ? this.turns(req, index) : this.turns[Math.min(index, this.turns.length - 1)];
    for (const step of script ?? []) {
      if (req.signal?.aborted) {
        this.aborted++;
        return;
      }
      try {
        if (step.type === 'delay') await sleep(step.ms, req.signal);
        else if (step.type === 'hang') await sleep(2 ** 31 - 1, req.signal);
        else if (step.type === 'error') throw step.error;
        else yield step;
      } catch (err) {
        if (req.signal?.aborted) {
          this.aborted++;
          return;
        }
        throw err;
      }
    }
  }
}

/** A text reply split into word deltas, with optional delays, ending in `done: stop`. */
export function textTurn(text: string, opts: { firstTokenDelayMs?: number; interTokenDelayMs?: number } = {}): ChatScript {
  const steps: ChatScript = [];
  if (opts.firstTokenDelayMs) steps.push({ type: 'delay', ms: opts.firstTokenDelayMs });
  const words = text.match(/\S+\s*/g) ?? [];
  words.forEach((w, i) => {
    if (i > 0 && opts.interTokenDelayMs) steps.push({ type: 'delay', ms: opts.interTokenDelayMs });
    steps.push({ type: 'text', delta: w });
  });
  steps.push({ type: 'done', finishReason: 'stop' });
  return steps;
}

/** A reply that calls one tool. */
export function toolTurn(call: ToolCall, opts: { delayMs?: number } = {}): ChatScript {
  const steps: ChatScript = opts.delayMs ? [{ type: 'delay', ms: opts.delayMs }] : [];
  return [...steps, { type: 'tool_call', call }, { type: 'done', finishReason: 'tool_calls' }];
}

/** A reply that fails with a ProviderError of `kind` (after `delayMs`). */
export function failingTurn(kind: ProviderErrorKind, opts: { delayMs?: number; provider?: string } = {}): ChatScript {
  const steps: ChatScript = opts.delayMs ? [{ type: 'delay', ms: opts.delayMs }] : [];
  return [...steps, { type: 'error', error: new ProviderError(opts.provider ?? 'scripted', kind, `scripted ${kind} failure`) }];
}
