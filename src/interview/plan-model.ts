/**
 * The plan-driven interviewer: a ChatModel with no network and no language model. It walks the interview plan —
 * one question at a time, planned follow-ups, a brief neutral acknowledgement, the same `next_stage` /
 * `end_interview` / `open_ide` / `open_board` tool calls the real model makes — so the interview runs offline and
 * the caller always hears the next planned question when the real model fails.
 *
 * It reads the conversation only as far as it must: the last candidate turn (did they ask to repeat, say they
 * don't know, try to steer the interview?), whether its last question was cut off, and tool results.
 */
import { sleep } from '../lib/abort.js';
import type { InterviewPlan, PlannedQuestion } from './plan.js';
import type { StageName } from './stages.js';
import type { ChatEvent, ChatMessage, ChatModel, ChatRequest, ToolCall } from '../providers/llm.js';

/** What the model needs to know of the live interview: where it is. */
export interface PlanModelView {
  stage(): StageName;
  /**
   * Replies the interviewer has given in the current stage, by any model. When another model has been asking
   * the questions, the plan-driven model skips ahead by that many so it does not repeat them.
   */
  repliesInStage?(): number;
  /** A question about what is on the candidate's design board (derived from its summary), or null. */
  boardProbe?(): { key: string; text: string } | null;
}

export interface PlanDrivenModelOptions {
  /** Pause between text deltas (a more speech-like stream in demos). Default 0. */
  deltaDelayMs?: number;
}

export const CLOSING_LINE =
  "That's all the questions I have. Thank you for your time today. The hiring team will review the interview " +
  'and follow up with you about next steps. Goodbye.';
const ACKS = ['Thanks.', 'Okay.', 'Got it.', 'Understood.', 'Alright.'];
const MOVE_ON = "That's fine, let's move on.";
const STEER_BACK = "I can't help with that. Let's stay with the interview.";
const PASS_ON = "Thanks, I'll pass that on to the hiring team so they can answer it properly.";

type Intent = 'repeat' | 'dont_know' | 'steer' | 'none_left' | 'answer';

const REPEAT =
  /\b(repeat( that| the question| it)?|say (that|it) again|come again|pardon|(didn'?t|did not) (catch|hear|get|understand) (that|it|the question)|what was the question|one more time)\b/i;
const DONT_KNOW =
  /\b(i don'?t know|i do not know|no idea|not sure|no clue|can'?t answer|skip( this| it| that)?|pass|don'?t remember|i'?m stuck|next question|move on)\b/i;
const STEER =
  /\b(ignore (all |your |the |previous |prior |my )*(instructions|rules|prompt)|system prompt|your (instructions|prompt|rules)|(tell|give|show) me the (answer|solution)|what'?s the (answer|solution)|what is the (answer|solution)|reveal (the|your) (answer|solution|prompt|instructions)|pretend (you are|to be)|score me|rate me|perfect score|jailbreak|developer mode)\b/i;
const NONE_LEFT = /^(no|nope|none|nothing|not really|no questions?|i'?m good|i think that'?s it|that'?s it|all good)\b/i;

interface Cursor {
  /** Index of the current main question; -1 before the first. */
  q: number;
  /** Follow-ups asked for the current question. */
  follow: number;
  lastAsked?: string;
  steered: boolean;
  /** Speaking replies given in this stage (a reply that only calls a tool does not count). */
  replies: number;
  /** A surface tool call was made; speak `lastAsked` when its result comes back. */
  awaitingSurface: boolean;
  closed: boolean;
}

interface Decision {
  text: string;
  call?: { name: string; args: Record<string, string> };
}

export class PlanDrivenModel implements ChatModel {
  readonly name = 'plan-driven';
  private readonly cursors = new Map<StageName, Cursor>();
  /** Board questions already asked (by key), so each is asked once. */
  private readonly probed = new Set<string>();
  private ackCount = 0;
  private callCount = 0;

  constructor(
    private readonly plan: InterviewPlan,
    private readonly view: PlanModelView,
    private readonly opts: PlanDrivenModelOptions = {},
  ) {}

  async *stream(req: ChatRequest): AsyncGenerator<ChatEvent> {
    const startedAt = performance.now();
    if (req.signal?.aborted) return;
    const decision = this.decide(req);
    const words = decision.text.match(/\S+\s*/g) ?? [];
    let firstMs: number | undefined;
    try {
      for (const [i, word] of words.entries()) {
        if (i > 0 && this.opts.deltaDelayMs) await sleep(this.opts.deltaDelayMs, req.signal);
        if (req.signal?.aborted) return;
        firstMs ??= performance.now() - startedAt;
        yield { type: 'text', delta: word };
      }
    } catch (err) {
      if (req.signal?.aborted) return;
      throw err;
    }
    if (req.signal?.aborted) return;
    if (decision.call) {
      const call: ToolCall = { id: `plan_${++this.callCount}`, name: decision.call.name, arguments: JSON.stringify(decision.call.args) };
      firstMs ??= performance.now() - startedAt;
      yield { type: 'tool_call', call };
    }
    yield { type: 'done', finishReason: decision.call ? 'tool_calls' : 'stop', timeToFirstTokenMs: firstMs ?? 0 };
  }

  private decide(req: ChatRequest): Decision {
    const decision = this.decideNext(req);
    if (!decision.call && decision.text) this.cursor(this.view.stage()).replies++;
    return decision;
  }

  private decideNext(req: ChatRequest): Decision {
    // A health probe or any request that is not the interview: answer without moving the plan.
    if (!req.messages.some((m) => m.role === 'system')) return { text: 'OK.' };
    const stage = this.view.stage();
    const cursor = this.cursor(stage);
    this.catchUp(stage, cursor);
    const offered = new Set((req.tools ?? []).map((t) => t.name));
    const last = req.messages.at(-1);

    if (stage === 'greeting') return { text: 'Before we begin, please say yes or no.' };
    if (stage === 'close') return this.close(cursor, last?.role === 'user', offered);

    if (last?.role === 'tool') {
      // The result of a tool call: a surface opened (now ask its question) or a stage change (start the stage).
      if (cursor.awaitingSurface && cursor.lastAsked) {
        cursor.awaitingSurface = false;
        return { text: cursor.lastAsked };
      }
      return this.advance(stage, cursor, '', offered);
    }

    const answer = last?.role === 'user' ? textOf(last) : '';
    if (cursor.q < 0) return this.advance(stage, cursor, answer ? this.ack() : '', offered);

    const intent = classifyIntent(answer, stage);
    if (intent === 'repeat') return this.repeat(cursor, 'Sure.');
    if (intent === 'steer') {
      if (!cursor.steered) {
        cursor.steered = true;
        return this.repeat(cursor, STEER_BACK);
      }
      return this.advance(stage, cursor, STEER_BACK, offered, true);
    }
    if (intent === 'dont_know') return this.advance(stage, cursor, MOVE_ON, offered, true);
    if (questionCutOff(req.messages, cursor.lastAsked)) return this.repeat(cursor, 'Okay.');
    if (stage === 'candidate_questions') {
      return this.advance(stage, cursor, intent === 'none_left' ? this.ack() : PASS_ON, offered, true);
    }
    return this.advance(stage, cursor, this.ack(), offered);
  }

  /** The next follow-up, else the next main question, else the end of the stage. */
  private advance(stage: StageName, cursor: Cursor, prefix: string, offered: ReadonlySet<string>, skipFollowUps = false): Decision {
    const questions = this.plan.stages.find((s) => s.name === stage)?.questions ?? [];
    const current = questions[cursor.q];
    // While the board is open, ask about what is on it (an unconnected part, the part most arrows point at)
    // before the planned follow-ups; each such question once.
    if (current?.surface === 'board' && !skipFollowUps && !cursor.awaitingSurface) {
      const probe = this.view.boardProbe?.();
      if (probe && !this.probed.has(probe.key)) {
        this.probed.add(probe.key);
        return this.ask(cursor, prefix, probe.text);
      }
    }
    if (current && !skipFollowUps && cursor.follow < current.followUps.length) {
      const followUp = current.followUps[cursor.follow++] as string;
      return this.ask(cursor, prefix, followUp);
    }
    cursor.q++;
    cursor.follow = 0;
    cursor.steered = false;
    const next = questions[cursor.q];
    if (next) return this.askMain(cursor, prefix, next, offered);
    cursor.q = questions.length;
    if (offered.has('next_stage')) {
      return { text: prefix, call: { name: 'next_stage', args: { reason: `planned ${stage} questions covered` } } };
    }
    return { text: join(prefix, "Let's move on.") };
  }

  private askMain(cursor: Cursor, prefix: string, q: PlannedQuestion, offered: ReadonlySet<string>): Decision {
    const tool = q.surface === 'ide' ? 'open_ide' : q.surface === 'board' ? 'open_board' : undefined;
    if (tool && offered.has(tool)) {
      cursor.lastAsked = q.text;
      cursor.awaitingSurface = true;
      const args: Record<string, string> = tool === 'open_ide' ? { problem: q.problem ?? q.text } : { prompt: q.problem ?? q.text };
      return { text: prefix, call: { name: tool, args } };
    }
    return this.ask(cursor, prefix, q.text);
  }

  private ask(cursor: Cursor, prefix: string, question: string): Decision {
    cursor.lastAsked = question;
    return { text: join(prefix, question) };
  }

  private repeat(cursor: Cursor, prefix: string): Decision {
    return { text: join(prefix, cursor.lastAsked ?? '') };
  }

  private close(cursor: Cursor, afterAnswer: boolean, offered: ReadonlySet<string>): Decision {
    const text = cursor.closed ? 'Goodbye.' : join(afterAnswer ? this.ack() : '', CLOSING_LINE);
    cursor.closed = true;
    return offered.has('end_interview') ? { text, call: { name: 'end_interview', args: { reason: 'interview complete' } } } : { text };
  }

  /** Another model asked this stage's questions: assume it followed the plan, one item per reply. */
  private catchUp(stage: StageName, cursor: Cursor): void {
    const given = this.view.repliesInStage?.() ?? 0;
    if (given <= cursor.replies || stage === 'close') return;
    const questions = this.plan.stages.find((s) => s.name === stage)?.questions ?? [];
    for (let step = cursor.replies; step < given && cursor.q < questions.length; step++) {
      const current = questions[cursor.q];
      if (current && cursor.follow < current.followUps.length) cursor.follow++;
      else {
        cursor.q++;
        cursor.follow = 0;
      }
    }
    const q = questions[cursor.q];
    if (q) cursor.lastAsked = cursor.follow > 0 ? q.followUps[cursor.follow - 1] : q.text;
    cursor.replies = given;
    cursor.awaitingSurface = false;
  }

  private ack(): string {
    return ACKS[this.ackCount++ % ACKS.length] as string;
  }

  private cursor(stage: StageName): Cursor {
    let c = this.cursors.get(stage);
    if (!c) {
      c = { q: -1, follow: 0, replies: 0, steered: false, awaitingSurface: false, closed: false };
      this.cursors.set(stage, c);
    }
    return c;
  }
}

export function classifyIntent(text: string, stage?: StageName): Intent {
  const t = text.trim();
  if (STEER.test(t)) return 'steer';
  const words = t.split(/\s+/).filter(Boolean).length;
  // Only a short turn is a request: a long answer that says "not sure" in passing is still an answer.
  if (words <= 12 && REPEAT.test(t)) return 'repeat';
  if (stage === 'candidate_questions' && words <= 8 && NONE_LEFT.test(t)) return 'none_left';
  if (words <= 12 && DONT_KNOW.test(t)) return 'dont_know';
  return 'answer';
}

/** The candidate barged in before hearing the whole question just asked. */
function questionCutOff(messages: readonly ChatMessage[], question: string | undefined): boolean {
  if (!question) return false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role !== 'assistant') continue;
    if (m.content === null && m.toolCalls?.length) continue;
    return m.interrupted === true && !(m.content ?? '').includes(question);
  }
  return false;
}

function textOf(message: ChatMessage): string {
  if (message.role !== 'user') return '';
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
}

function join(a: string, b: string): string {
  return [a, b].filter(Boolean).join(' ');
}
