/**
 * Reassembles streamed tool-call deltas. OpenAI sends each call's `id`/`name` on its first delta and the JSON
 * `arguments` in fragments, keyed by `index`; calls arrive in index order, so a higher index means every lower
 * one is complete (the same rule the SDK's own accumulator follows).
 */
import { ProviderError } from '../errors.js';
import type { ToolCall } from '../llm.js';
import { PROVIDER } from './error-mapping.js';

export interface ToolCallDelta {
  index: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface Pending {
  index: number;
  id?: string;
  name: string;
  arguments: string;
}

export class ToolCallAssembler {
  private readonly pending = new Map<number, Pending>();
  private emitted = 0;

  /** Adds one delta; returns the calls it completed (those with a lower index than a newly started one). */
  push(delta: ToolCallDelta): ToolCall[] {
    let entry = this.pending.get(delta.index);
    const completed: ToolCall[] = [];
    if (!entry) {
      for (const index of [...this.pending.keys()].filter((i) => i < delta.index)) completed.push(this.take(index));
      entry = { index: delta.index, name: '', arguments: '' };
      this.pending.set(delta.index, entry);
    }
    if (delta.id) entry.id = delta.id;
    if (delta.function?.name) entry.name += delta.function.name;
    if (delta.function?.arguments) entry.arguments += delta.function.arguments;
    return completed;
  }

  /** Completes every call still open (the stream finished). */
  flush(): ToolCall[] {
    return [...this.pending.keys()].sort((a, b) => a - b).map((index) => this.take(index));
  }

  get count(): number {
    return this.emitted;
  }

  private take(index: number): ToolCall {
    const entry = this.pending.get(index);
    this.pending.delete(index);
    if (!entry || !entry.name) {
      throw new ProviderError(PROVIDER, 'protocol', `tool call at index ${index} has no function name`);
    }
    this.emitted += 1;
    // Some OpenAI-compatible servers omit ids; the id only has to pair the call with its tool result.
    return { id: entry.id ?? `call_${index}`, name: entry.name, arguments: entry.arguments || '{}' };
  }
}
