/**
 * The conversation as the model sees it: the candidate's turns and only what the candidate actually HEARD of each
 * reply. A reply is pending while it is generated and played; when the voice core reports what was heard, its
 * text is replaced by the heard part, flagged `interrupted` if cut off. Tool calls of a reply stay (they happened);
 * its spoken text is placed after them. Old turns are dropped to bound the prompt.
 */
import type { ChatMessage, ToolCall } from '../providers/llm.js';

interface Round {
  text: string;
  calls: ToolCall[];
  results: { toolCallId: string; content: string }[];
}

export class PendingReply {
  readonly rounds: Round[] = [{ text: '', calls: [], results: [] }];
  /** Set once the voice core has said what was heard. */
  heard: { text: string; interrupted: boolean } | undefined;
  /** Generation was cut short by an abort (barge-in) before anyone reported what was heard. */
  aborted = false;

  get planned(): string {
    return this.rounds.map((r) => r.text).join('');
  }

  addText(delta: string): void {
    (this.rounds.at(-1) as Round).text += delta;
  }

  /** The current round ended in tool calls; their results follow and the next round starts. */
  sealRound(calls: ToolCall[]): void {
    (this.rounds.at(-1) as Round).calls = calls;
  }

  addToolResult(toolCallId: string, content: string): void {
    (this.rounds.at(-1) as Round).results.push({ toolCallId, content });
  }

  openRound(): void {
    this.rounds.push({ text: '', calls: [], results: [] });
  }

  /** While generating: every round as the model produced it (the text is being spoken now). */
  inFlight(): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const r of this.rounds) {
      if (r.calls.length) {
        out.push({ role: 'assistant', content: r.text || null, toolCalls: r.calls });
        for (const res of r.results) out.push({ role: 'tool', toolCallId: res.toolCallId, content: res.content });
      } else if (r.text) {
        out.push({ role: 'assistant', content: r.text });
      }
    }
    return out;
  }

  /** Once done: tool calls and results, then only the heard text. */
  settled(): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const r of this.rounds) {
      if (!r.calls.length) continue;
      out.push({ role: 'assistant', content: null, toolCalls: r.calls });
      for (const res of r.results) out.push({ role: 'tool', toolCallId: res.toolCallId, content: res.content });
    }
    // Nothing reported: an aborted reply counts as unheard; a finished one as heard in full.
    const heard = this.heard ?? (this.aborted ? { text: '', interrupted: true } : { text: this.planned, interrupted: false });
    if (heard.interrupted) out.push({ role: 'assistant', content: heard.text.trim(), interrupted: true });
    else if (heard.text.trim()) out.push({ role: 'assistant', content: heard.text.trim() });
    return out;
  }
}

type Unit = { kind: 'fixed'; messages: ChatMessage[] } | { kind: 'reply'; reply: PendingReply };

export interface HistoryOptions {
  /** Total characters of message text kept. Default 24000. */
  maxChars?: number;
  /** Messages kept. Default 60. */
  maxMessages?: number;
}

export class ConversationHistory {
  private units: Unit[] = [];
  private current: PendingReply | undefined;
  private readonly maxChars: number;
  private readonly maxMessages: number;

  constructor(opts: HistoryOptions = {}) {
    this.maxChars = opts.maxChars ?? 24_000;
    this.maxMessages = opts.maxMessages ?? 60;
  }

  /** A line already spoken in full (the uninterruptible opening). */
  addSpoken(text: string): void {
    this.settleCurrent();
    this.units.push({ kind: 'fixed', messages: [{ role: 'assistant', content: text }] });
    this.trim();
  }

  addUser(text: string): void {
    this.settleCurrent();
    this.units.push({ kind: 'fixed', messages: [{ role: 'user', content: text }] });
    this.trim();
  }

  /** Starts a reply; it is the in-flight one until the next user turn or reply. */
  begin(): PendingReply {
    this.settleCurrent();
    const reply = new PendingReply();
    this.units.push({ kind: 'reply', reply });
    this.current = reply;
    return reply;
  }

  /** The reply whose planned text matches (else the most recent one not yet reported). */
  findUnreported(planned: string): PendingReply | undefined {
    const replies = this.units.flatMap((u) => (u.kind === 'reply' && !u.reply.heard ? [u.reply] : []));
    const want = squash(planned);
    return replies.find((r) => squash(r.planned) === want) ?? replies.at(-1);
  }

  report(reply: PendingReply, heard: string, interrupted: boolean): void {
    reply.heard = { text: heard, interrupted };
    this.trim();
  }

  messages(): ChatMessage[] {
    return this.units.flatMap((u) => (u.kind === 'fixed' ? u.messages : u.reply === this.current ? u.reply.inFlight() : u.reply.settled()));
  }

  private settleCurrent(): void {
    this.current = undefined;
  }

  private trim(): void {
    const size = (u: Unit) => {
      const msgs = u.kind === 'fixed' ? u.messages : u.reply.settled();
      return { count: msgs.length, chars: msgs.reduce((n, m) => n + contentLength(m), 0) };
    };
    let sizes = this.units.map(size);
    const total = () => sizes.reduce((a, s) => ({ count: a.count + s.count, chars: a.chars + s.chars }), { count: 0, chars: 0 });
    // Drop whole units from the front (a tool call never loses its result), keeping the last two.
    while (this.units.length > 2) {
      const t = total();
      if (t.count <= this.maxMessages && t.chars <= this.maxChars) break;
      this.units.shift();
      sizes = sizes.slice(1);
    }
  }
}

function contentLength(m: ChatMessage): number {
  if (m.role === 'user') return typeof m.content === 'string' ? m.content.length : 200;
  if (m.role === 'assistant') return (m.content ?? '').length + (m.toolCalls ?? []).reduce((n, c) => n + c.arguments.length + c.name.length, 0);
  return m.content.length;
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
