/** A ChatModel over an ordered list of ChatModels that fails over before the first token (see run-with-fallback). */
import type { ChatEvent, ChatModel, ChatRequest } from '../llm.js';
import type { FallbackEventSink, ProviderStatus } from './health.js';
import { HealthBoard } from './health.js';
import { runWithFallback } from './run-with-fallback.js';

export interface FallbackChatModelOptions {
  /** Request start → first text delta or tool call, per attempt. */
  firstTokenTimeoutMs?: number;
  /** Gap between background probes of an unhealthy model. */
  probeIntervalMs?: number;
  /** A probe that has not produced its first event by then has failed. */
  probeTimeoutMs?: number;
  onEvent?: FallbackEventSink;
  /** The process board for this port: health found by one call is shared with every other call. */
  board?: HealthBoard<ChatModel>;
}

export class FallbackChatModel implements ChatModel {
  readonly name: string;
  private readonly board: HealthBoard<ChatModel>;
  private readonly firstTokenTimeoutMs: number;

  constructor(models: readonly ChatModel[], opts: FallbackChatModelOptions = {}) {
    this.firstTokenTimeoutMs = opts.firstTokenTimeoutMs ?? 4000;
    this.board = opts.board
      ? opts.board.child(models, opts.onEvent)
      : chatHealthBoard(models, { probeIntervalMs: opts.probeIntervalMs, probeTimeoutMs: opts.probeTimeoutMs ?? this.firstTokenTimeoutMs, onEvent: opts.onEvent });
    this.name = `fallback(${this.board.entries.map((e) => e.name).join(',')})`;
  }

  stream(req: ChatRequest): AsyncIterable<ChatEvent> {
    return runWithFallback<ChatModel, ChatEvent>({
      board: this.board,
      port: 'llm',
      signal: req.signal,
      firstOutputTimeoutMs: this.firstTokenTimeoutMs,
      start: (model, signal) => model.stream({ ...req, signal }),
      isOutput: (ev) => (ev.type === 'text' && ev.delta.length > 0) || ev.type === 'tool_call',
    });
  }

  isHealthy(name: string): boolean {
    return this.board.isHealthy(name);
  }

  status(): ProviderStatus[] {
    return this.board.status();
  }

  /** Stops background probes. The wrapper still serves requests afterwards, without restoring anyone. */
  close(): void {
    this.board.close();
  }
}

/** The health board for a list of chat models (the process board, or a wrapper's own). */
export function chatHealthBoard(
  models: readonly ChatModel[],
  opts: { probeIntervalMs?: number; probeTimeoutMs?: number; onEvent?: FallbackEventSink } = {},
): HealthBoard<ChatModel> {
  return new HealthBoard(models, {
    port: 'llm',
    probe: probeChatModel,
    probeIntervalMs: opts.probeIntervalMs ?? 10_000,
    probeTimeoutMs: opts.probeTimeoutMs ?? 4000,
    onEvent: opts.onEvent,
  });
}

/** A one-token request: any first event means the model answers again. */
async function probeChatModel(model: ChatModel, signal: AbortSignal): Promise<void> {
  const stream = model.stream({
    messages: [{ role: 'user', content: 'Reply with the single word OK.' }],
    maxTokens: 1,
    temperature: 0,
    signal,
  });
  for await (const _event of stream) return;
  throw new Error('probe produced no events');
}
