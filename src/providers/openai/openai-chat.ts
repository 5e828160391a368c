/**
 * OpenAI adapter: streaming chat with tools (our own SSE client, chat-sse-client.ts: the call path), strict structured
 * output and embeddings (openai SDK v6). Works with any OpenAI-compatible server through `baseUrl` (Ollama, vLLM,
 * gateways, our simulator).
 *
 * Abort behaviour of `stream()`: when the caller's signal aborts, the HTTP request is cancelled and the iterator
 * returns quietly with no further events (no `done`, no throw). `structured()` and `embed()` reject with an
 * AbortError instead, since a promise has to settle.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { AbortedError } from '../../lib/abort.js';
import { ProviderError } from '../errors.js';
import type {
  ChatEvent,
  ChatModel,
  ChatRequest,
  ChatUsage,
  Embedder,
  StructuredModel,
  StructuredRequest,
} from '../llm.js';
import { ChatSseClient } from './chat-sse-client.js';
import { PROVIDER, toProviderError } from './error-mapping.js';
import { toOpenAiMessages, toOpenAiTools } from './message-mapping.js';
import { parseStructuredContent } from './structured-output.js';
import { StreamWatchdog } from './stream-watchdog.js';
import { ToolCallAssembler } from './tool-call-assembler.js';

export interface OpenAiConfig {
  /** Omit for local servers that need no key: a placeholder is sent (the SDK refuses to run without one). */
  apiKey?: string;
  /** OPENAI_BASE_URL, e.g. `http://127.0.0.1:11434/v1`. Defaults to the SDK's (api.openai.com). */
  baseUrl?: string;
  /** OPENAI_MODEL. Default 'gpt-4o-mini'. */
  model?: string;
  /** Default 'text-embedding-3-small'. */
  embeddingModel?: string;
  /** Default 1536. Sent as `dimensions` when set explicitly or for text-embedding-3 models. */
  embeddingDimensions?: number;
  /** 'base64' (default): the SDK asks for base64 and decodes it. 'float': plain JSON numbers on the wire. */
  embeddingEncoding?: 'base64' | 'float';
  /** Inputs per embeddings request. Default 256. */
  embeddingBatchSize?: number;
  /** Request sent → first text or tool-call delta. Default 4000. */
  firstTokenTimeoutMs?: number;
  /** Longest silence between chunks once tokens flow. Default 5000. */
  stallTimeoutMs?: number;
  /** SDK retries for structured output and embeddings. Default 2. */
  maxRetries?: number;
  /** Per-request timeout (for streams: until the response headers). Default 60000. Streams are never retried here:
   *  the fallback wrapper decides what to do next. */
  requestTimeoutMs?: number;
  /** Send `max_tokens` instead of `max_completion_tokens` (older OpenAI-compatible servers). */
  legacyMaxTokens?: boolean;
}

const PLACEHOLDER_KEY = 'sk-no-key-required';

export class OpenAiModel implements ChatModel, StructuredModel, Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly model: string;
  readonly embeddingModel: string;
  private readonly client: OpenAI;
  /** The streaming chat on the call path goes around the SDK: chat-sse-client.ts says why. */
  private readonly sse: ChatSseClient;
  private readonly cfg: Required<
    Pick<
      OpenAiConfig,
      | 'firstTokenTimeoutMs'
      | 'stallTimeoutMs'
      | 'maxRetries'
      | 'requestTimeoutMs'
      | 'embeddingEncoding'
      | 'embeddingBatchSize'
    >
  >;
  private readonly sendDimensions: boolean;
  private readonly legacyMaxTokens: boolean;

  constructor(config: OpenAiConfig = {}) {
    this.model = config.model ?? 'gpt-4o-mini';
    this.embeddingModel = config.embeddingModel ?? 'text-embedding-3-small';
    this.dimensions = config.embeddingDimensions ?? 1536;
    this.name = `openai:${this.model}`;
    this.sendDimensions =
      config.embeddingDimensions !== undefined || this.embeddingModel.startsWith('text-embedding-3');
    this.legacyMaxTokens = config.legacyMaxTokens ?? false;
    this.cfg = {
      firstTokenTimeoutMs: config.firstTokenTimeoutMs ?? 4000,
      stallTimeoutMs: config.stallTimeoutMs ?? 5000,
      maxRetries: config.maxRetries ?? 2,
      requestTimeoutMs: config.requestTimeoutMs ?? 60_000,
      embeddingEncoding: config.embeddingEncoding ?? 'base64',
      embeddingBatchSize: config.embeddingBatchSize ?? 256,
    };
    this.client = new OpenAI({
      apiKey: config.apiKey || PLACEHOLDER_KEY,
      // Explicit so the SDK never picks up OPENAI_BASE_URL behind config's back (config.ts owns the environment).
      baseURL: config.baseUrl ?? 'https://api.openai.com/v1',
      maxRetries: this.cfg.maxRetries,
      timeout: this.cfg.requestTimeoutMs,
    });
    this.sse = new ChatSseClient({
      apiKey: config.apiKey || PLACEHOLDER_KEY,
      baseUrl: config.baseUrl ?? 'https://api.openai.com/v1',
    });
  }

  async *stream(req: ChatRequest): AsyncGenerator<ChatEvent, void, undefined> {
    const caller = req.signal;
    if (caller?.aborted) return;
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(caller?.reason);
    caller?.addEventListener('abort', onCallerAbort, { once: true });
    const startedAt = performance.now();
    const watchdog = new StreamWatchdog(controller, this.cfg.firstTokenTimeoutMs, this.cfg.stallTimeoutMs);
    const assembler = new ToolCallAssembler();
    let timeToFirstTokenMs: number | undefined;
    let finishReason: string | undefined;
    let usage: ChatUsage | undefined;
    let chunks = 0;
    let iterator: AsyncIterator<ChatCompletionChunk> | undefined;
    const firstToken = () => {
      if (timeToFirstTokenMs === undefined) timeToFirstTokenMs = performance.now() - startedAt;
      watchdog.token();
    };
    const failure = (err: unknown): ProviderError | undefined => {
      if (caller?.aborted) return undefined; // the caller asked for it: end quietly
      if (watchdog.expired) return new ProviderError(PROVIDER, 'timeout', watchdog.describe(), { cause: err });
      return toProviderError(err);
    };

    try {
      const body = {
        model: this.model,
        messages: toOpenAiMessages(req.messages),
        tools: toOpenAiTools(req.tools),
        stream: true,
        stream_options: { include_usage: true },
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        ...this.maxTokensParam(req.maxTokens),
      };
      const pending: ChatEvent[] = [];
      iterator = this.sse.stream(body, controller.signal, this.cfg.requestTimeoutMs) as AsyncIterator<ChatCompletionChunk>;
      try {
        for (;;) {
          // An abort (ours or the caller's) destroys the request, so a pending read ends at once.
          const step = await iterator.next();
          if (step.done) break;
          const chunk = step.value;
          chunks += 1;
          watchdog.chunk();
          if (chunk.usage) {
            usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
          }
          const choice = chunk.choices[0];
          if (!choice) continue;
          if (choice.delta.content) {
            firstToken();
            pending.push({ type: 'text', delta: choice.delta.content });
          }
          for (const delta of choice.delta.tool_calls ?? []) {
            firstToken();
            for (const call of assembler.push(delta)) pending.push({ type: 'tool_call', call });
          }
          if (choice.finish_reason) {
            finishReason = choice.finish_reason;
            // Hand over tool calls now rather than after the trailing usage chunk.
            for (const call of assembler.flush()) pending.push({ type: 'tool_call', call });
          }
          if (pending.length === 0) continue;
          watchdog.pause();
          while (pending.length > 0) {
            yield pending.shift() as ChatEvent;
            if (caller?.aborted) return;
          }
          watchdog.resume();
        }
      } catch (err) {
        const mapped = failure(err);
        if (mapped) throw mapped;
        return;
      }

      // The transport ends its iterator quietly when the request is aborted, so check who stopped it.
      if (caller?.aborted) return;
      if (watchdog.expired) throw new ProviderError(PROVIDER, 'timeout', watchdog.describe());
      if (finishReason === undefined) {
        // Nothing parseable at all means the server does not speak SSE chunks; a cut-off reply is a lost link.
        if (chunks === 0) throw new ProviderError(PROVIDER, 'protocol', 'stream carried no completion chunks');
        throw new ProviderError(PROVIDER, 'connection', 'stream ended before the reply finished');
      }
      yield { type: 'done', finishReason, usage, timeToFirstTokenMs };
    } finally {
      // Not awaited: nothing here should wait on the transport.
      iterator?.return?.().catch(() => undefined);
      watchdog.stop();
      caller?.removeEventListener('abort', onCallerAbort);
      // Covers early `return()` by the consumer and every error path: the socket is released either way.
      controller.abort();
    }
  }

  async structured<T>(req: StructuredRequest): Promise<{ value: T; usage?: ChatUsage }> {
    const { name, schema, description } = req.schema;
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: toOpenAiMessages(req.messages),
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          response_format: {
            type: 'json_schema',
            json_schema: { name, schema, strict: true, ...(description ? { description } : {}) },
          },
        },
        { signal: req.signal, maxRetries: this.cfg.maxRetries, timeout: this.cfg.requestTimeoutMs },
      );
    } catch (err) {
      if (req.signal?.aborted) throw new AbortedError();
      throw toProviderError(err);
    }
    const value = parseStructuredContent<T>(completion.choices[0], schema);
    const u = completion.usage;
    return { value, usage: u ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens } : undefined };
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const out: number[][] = [];
    for (let start = 0; start < texts.length; start += this.cfg.embeddingBatchSize) {
      out.push(...(await this.embedBatch(texts.slice(start, start + this.cfg.embeddingBatchSize), signal)));
    }
    return out;
  }

  private async embedBatch(input: string[], signal?: AbortSignal): Promise<number[][]> {
    let res: OpenAI.CreateEmbeddingResponse;
    try {
      res = await this.client.embeddings.create(
        {
          model: this.embeddingModel,
          input,
          ...(this.sendDimensions ? { dimensions: this.dimensions } : {}),
          // Leaving encoding_format out makes the SDK request base64 and decode it for us.
          ...(this.cfg.embeddingEncoding === 'float' ? { encoding_format: 'float' as const } : {}),
        },
        { signal, maxRetries: this.cfg.maxRetries, timeout: this.cfg.requestTimeoutMs },
      );
    } catch (err) {
      if (signal?.aborted) throw new AbortedError();
      throw toProviderError(err);
    }
    const vectors: number[][] = new Array<number[]>(input.length);
    for (const item of res.data) vectors[item.index] = item.embedding;
    for (let i = 0; i < input.length; i++) {
      const v = vectors[i];
      if (!Array.isArray(v)) throw new ProviderError(PROVIDER, 'protocol', `no embedding returned for input ${i}`);
      // Vector columns have a fixed width: a silent mismatch would corrupt the index.
      if (v.length !== this.dimensions) {
        throw new ProviderError(
          PROVIDER,
          'protocol',
          `embedding has ${v.length} dimensions, expected ${this.dimensions}`,
          { retryable: false },
        );
      }
    }
    return vectors;
  }

  private maxTokensParam(maxTokens: number | undefined): { max_tokens?: number; max_completion_tokens?: number } {
    if (maxTokens === undefined) return {};
    return this.legacyMaxTokens ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens };
  }
}
