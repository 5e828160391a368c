/** Drives an Interviewer like the voice core does: one turn at a time, reporting what was heard. */
import type { Interviewer } from '../../src/interview/interviewer.js';
import type { ChatEvent, ChatModel, ChatRequest } from '../../src/providers/llm.js';
import type { AgentEvent } from '../../src/voice/agent.js';

export interface TurnResult {
  events: AgentEvent[];
  text: string;
  end?: string;
}

export async function turn(agent: Interviewer, text: string, signal = new AbortController().signal): Promise<TurnResult> {
  const events: AgentEvent[] = [];
  for await (const ev of agent.respond({ text, endReason: 'endpoint', bargedIn: false }, signal)) events.push(ev);
  const spoken = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
  const end = events.find((e): e is Extract<AgentEvent, { type: 'end_call' }> => e.type === 'end_call')?.reason;
  return { events, text: spoken, ...(end ? { end } : {}) };
}

/** A turn that was heard in full. */
export async function heardTurn(agent: Interviewer, text: string): Promise<TurnResult> {
  const r = await turn(agent, text);
  agent.onSpoken({ replyId: 'r', planned: r.text, heard: r.text, interrupted: false });
  return r;
}

export function recorder() {
  const events: { type: string; payload: Record<string, unknown> }[] = [];
  return {
    events,
    record: (type: string, payload: Record<string, unknown>) => void events.push({ type, payload }),
    of: (type: string) => events.filter((e) => e.type === type).map((e) => e.payload),
  };
}

/** Forwards to another model and keeps every request (to inspect prompts the plan-driven model received). */
export class RecordingModel implements ChatModel {
  readonly requests: ChatRequest[] = [];
  constructor(private readonly inner: ChatModel) {}
  get name(): string {
    return this.inner.name;
  }
  stream(req: ChatRequest): AsyncIterable<ChatEvent> {
    this.requests.push(req);
    return this.inner.stream(req);
  }
}
