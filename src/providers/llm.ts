/** Ports: streaming chat with tools, one-shot structured JSON, embeddings. */

export type ContentPart =
  | { type: 'text'; text: string }
  /** `url` is an https URL or a `data:image/png;base64,…` URL. */
  | { type: 'image'; url: string; detail?: 'low' | 'high' | 'auto' };

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON text of the arguments, as the model produced it. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | {
      role: 'assistant';
      content: string | null;
      toolCalls?: ToolCall[];
      /** The caller interrupted: `content` holds only what they heard. */
      interrupted?: boolean;
    }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema for the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export type ChatEvent =
  | { type: 'text'; delta: string }
  /** A complete tool call (deltas already assembled). */
  | { type: 'tool_call'; call: ToolCall }
  | {
      type: 'done';
      finishReason: 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'aborted' | string;
      usage?: ChatUsage;
      /** Request sent → first text delta or tool-call delta. */
      timeToFirstTokenMs?: number;
    };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface ChatModel {
  readonly name: string;
  /** Streams one reply; ends with exactly one `done` event unless it throws a ProviderError or aborts. */
  stream(req: ChatRequest): AsyncIterable<ChatEvent>;
}

export interface StructuredRequest {
  messages: ChatMessage[];
  /** A strict JSON Schema (every property required; optional values are nullable). */
  schema: { name: string; schema: Record<string, unknown>; description?: string };
  /** Sampling temperature; unset → the provider's default. The scorer uses 0 and records it. */
  temperature?: number;
  signal?: AbortSignal;
}

export interface StructuredModel {
  readonly name: string;
  /** One-shot completion whose output is JSON matching `schema` (already parsed). */
  structured<T>(req: StructuredRequest): Promise<{ value: T; usage?: ChatUsage }>;
}

export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
