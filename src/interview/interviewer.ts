/**
 * The interviewer: the ConversationAgent the voice core drives. It owns the plan, the stage machine, consent, the
 * heard-only history and the tool loop; the model only chooses words and tool calls inside those bounds.
 *
 * Per caller turn: consent is decided deterministically; afterwards the turn is added to history, stage timeouts
 * are applied, and the model streams with tools (bounded rounds). If the model fails before saying anything, the
 * plan-driven model answers this turn instead, so the caller always hears the next planned question.
 */
import { errorMessage } from '../lib/errors.js';
import { ProviderError } from '../providers/errors.js';
import type { ChatMessage, ChatModel, ChatRequest, ToolCall } from '../providers/llm.js';
import { PlanDrivenModel } from './plan-model.js';
import type { AgentEvent, ConversationAgent, SpokenReply, UserTurn } from '../voice/agent.js';
import { CONSENT_QUESTION, ConsentGate, OPT_OUT_LINE, isOptOutRequest } from './consent.js';
import { disclosureLine } from './disclosure.js';
import { ConversationHistory } from './history.js';
import type { PendingReply } from './history.js';
import { buildPlan } from './plan.js';
import type { InterviewPlan } from './plan.js';
import { beforeLastUser, buildSystemPrompt, workspaceImageMessage } from './prompt.js';
import { defaultPromptLibrary } from './prompt-library.js';
import type { PromptLibrary } from './prompt-library.js';
import type { Surface } from './question-bank.js';
import { StageMachine } from './stages.js';
import type { StageName, StageTransition } from './stages.js';
import { stageIndex } from './stages.js';
import { TOOL_SPECS, ToolRunner } from './tools.js';
import type { ToolOutcome } from './tools.js';
import { FILLER_TEXT } from './interviewer-config.js';
import type { InterviewContext, InterviewerDeps, InterviewerOptions } from './interviewer-config.js';
import type { RecordEvent } from '../store/events/catalogue.js';
import { wasAnswered, type ResumeState } from './recovery/resume-state.js';

export { FILLER_TEXT } from './interviewer-config.js';
export type { InterviewContext, InterviewerDeps, InterviewerOptions } from './interviewer-config.js';

/** A callback of an interrupted call opens with this before the disclosure. */
export const RESUME_OPENING = "We were cut off earlier; let's pick up where we left off.";

const GOODBYE_LINE = 'Thank you for your time today. The hiring team will follow up with you about next steps. Goodbye.';

interface TurnState {
  reply: PendingReply;
  fillerSent: boolean;
  metricsSent: boolean;
  endReason?: string;
  /** The workspace's new pictures, read once at this natural break and shown to every round of the turn. */
  images?: ChatMessage | null;
}

export class Interviewer implements ConversationAgent {
  /** Model tokens this interview used, as the model reported them (the plan-driven interviewer reports none). */
  readonly llmUsage = { promptTokens: 0, completionTokens: 0 };
  readonly plan: InterviewPlan;
  readonly stages: StageMachine;
  private readonly ctx: InterviewContext;
  private readonly model: ChatModel;
  private readonly planModel: PlanDrivenModel;
  private readonly record: RecordEvent;
  private readonly clock: () => number;
  private readonly library: PromptLibrary;
  private readonly history: ConversationHistory;
  private readonly runner: ToolRunner;
  private readonly consent = new ConsentGate();
  private readonly opts: Required<
    Pick<InterviewerOptions, 'maxToolRounds' | 'fillerAfterMs' | 'fillerText' | 'maxTurnChars' | 'maxReplyTokens' | 'temperature'>
  >;
  private openingText: string | undefined;
  private surfaceOpen: Surface | undefined;
  private endedWith: string | undefined;
  /** Replies spoken in the current stage (tells the plan-driven fallback how far the stage has got). */
  private repliesInStage = 0;
  /** Citation ids from grounding tool results in the turn being answered (for its agent.speech event). */
  private turnCitations: string[] = [];
  /** Question ids left out because an interrupted earlier call already had them answered. */
  private readonly skipped: string[];

  constructor(deps: InterviewerDeps) {
    const o = deps.options ?? {};
    this.ctx = deps.context;
    this.record = safeSink(deps.record);
    this.clock = deps.clock ?? Date.now;
    this.library = o.library ?? defaultPromptLibrary();
    const plan =
      o.plan ??
      (o.adaptPlan ?? ((p: InterviewPlan) => p))(buildPlan(
        { roleTitle: deps.context.role.title, level: deps.context.role.level, description: deps.context.role.description, focus: deps.context.focus, grounding: deps.context.grounding },
        { library: this.library, budgetsMs: o.budgetsMs },
      ));
    // A callback: the same (deterministic) plan without the questions the candidate already answered.
    this.skipped = deps.context.resumeState ? answeredIds(plan, deps.context.resumeState) : [];
    this.plan = this.skipped.length ? withoutQuestions(plan, new Set(this.skipped)) : plan;
    this.stages = new StageMachine(this.plan.stages, this.clock());
    this.planModel = new PlanDrivenModel(this.plan, { stage: () => this.stages.current, repliesInStage: () => this.repliesInStage, boardProbe: () => this.ctx.boardProbe?.() ?? null }, o.planModel);
    this.model = deps.model ? (deps.wrapModel ? deps.wrapModel(deps.model, this.planModel) : deps.model) : this.planModel;
    this.history = new ConversationHistory({ maxChars: o.maxHistoryChars, maxMessages: o.maxHistoryMessages });
    this.runner = new ToolRunner({
      stages: this.stages,
      clock: this.clock,
      tools: deps.tools,
      // Greeting guard: no tool before the opening has been given and consent received.
      ready: () => this.openingText !== undefined && this.stages.current !== 'greeting',
      toolTimeoutMs: o.toolTimeoutMs,
    });
    this.opts = {
      maxToolRounds: o.maxToolRounds ?? 3,
      fillerAfterMs: o.fillerAfterMs ?? 800,
      fillerText: o.fillerText ?? FILLER_TEXT,
      maxTurnChars: o.maxTurnChars ?? 2000,
      maxReplyTokens: o.maxReplyTokens ?? 300,
      temperature: o.temperature ?? 0.4,
    };
  }

  get stage(): StageName {
    return this.stages.current;
  }

  /** Why the interview ended (once `end_call` has been yielded). */
  get ended(): string | undefined {
    return this.endedWith;
  }

  opening(): string {
    if (this.openingText !== undefined) return this.openingText;
    const resume = this.ctx.resumeState;
    // A callback repeats the disclosure and asks consent again (a new call), after saying why we are calling.
    const text = `${resume ? `${RESUME_OPENING} ` : ''}${disclosureLine({ candidateName: this.ctx.candidate.name, roleTitle: this.ctx.role.title, companyName: this.ctx.companyName })} ${CONSENT_QUESTION}`;
    if (resume) this.record('interview.resumed', { fromStage: resume.stage, interruptedBy: resume.interruptedBy, skippedQuestions: [...this.skipped], answeredBefore: resume.answered.length });
    this.openingText = text;
    this.history.addSpoken(text);
    this.record('interview.plan', {
      promptVersion: this.plan.promptVersion,
      model: this.model.name,
      level: this.plan.level,
      family: this.plan.family,
      keyterms: this.plan.keyterms,
      stages: this.plan.stages.map((s) => ({ name: s.name, budgetMs: Number.isFinite(s.budgetMs) ? s.budgetMs : null, questions: s.questions.map((q) => q.id) })),
    });
    return text;
  }

  async *respond(turn: UserTurn, signal: AbortSignal): AsyncGenerator<AgentEvent> {
    if (signal.aborted) return;
    if (this.endedWith !== undefined) {
      // The closing line was cut off, so the call is still up: say goodbye again and end.
      yield* this.say('Goodbye.');
      yield { type: 'end_call', reason: this.endedWith };
      return;
    }
    if (this.openingText === undefined) this.opening();
    const text = truncate(turn.text, this.opts.maxTurnChars);
    this.record('interview.turn', {
      text,
      truncated: turn.text.trim().length > this.opts.maxTurnChars,
      endReason: turn.endReason,
      bargedIn: turn.bargedIn,
      stage: this.stages.current,
      promptVersion: this.plan.promptVersion,
    });

    if (this.stages.current === 'greeting') {
      yield* this.consentTurn(text, signal);
      return;
    }
    if (isOptOutRequest(text)) {
      this.history.addUser(text);
      this.moveTo('close', 'consent_refused');
      yield* this.sayAndEnd(OPT_OUT_LINE, 'opt_out');
      return;
    }
    this.history.addUser(text);
    const timedOut = this.stages.tick(this.clock());
    if (timedOut) this.noteTransition(timedOut);
    if (this.stages.isClosed && this.stages.overdue(this.clock())) {
      // The closing minute is spent: say goodbye ourselves rather than let the model run on.
      yield* this.sayAndEnd(GOODBYE_LINE, 'close_timeout');
      return;
    }
    yield* this.modelTurn(signal);
  }

  annotate(reply: SpokenReply): { citationIds?: string[] } | undefined {
    // Passages a grounding tool returned this turn, plus those behind a planned question the reply asks.
    const ids = new Set(this.turnCitations);
    this.turnCitations = [];
    const said = squash(reply.planned);
    for (const stage of this.plan.stages) {
      for (const q of stage.questions) if (q.citationIds?.length && said.includes(squash(q.text))) q.citationIds.forEach((id) => ids.add(id));
    }
    return ids.size ? { citationIds: [...ids] } : undefined;
  }

  onSpoken(reply: SpokenReply): void {
    if (this.openingText !== undefined && squash(reply.planned) === squash(this.openingText)) return;
    const pending = this.history.findUnreported(reply.planned);
    if (pending) this.history.report(pending, reply.heard, reply.interrupted);
  }

  patience(): 'normal' | 'patient' {
    return this.surfaceOpen && (this.stages.current === 'technical' || this.stages.current === 'system_design') ? 'patient' : 'normal';
  }

  keyterms(): string[] {
    return [...this.plan.keyterms];
  }

  private async *consentTurn(text: string, signal: AbortSignal): AsyncGenerator<AgentEvent> {
    const step = this.consent.answer(text);
    this.record('interview.consent', { answer: text, classification: step.classification.answer, basis: step.classification.basis, action: step.action });
    this.history.addUser(text);
    if (step.action === 'ask_again') {
      yield* this.say(step.line);
      return;
    }
    if (step.action === 'refuse') {
      this.moveTo('close', 'consent_refused');
      // "Stop calling me" as the answer revokes contact, not only this interview: ended as an opt-out (recorded by
      // scheduling/call-hooks.ts), and the closing line must not promise that someone will be in touch.
      if (isOptOutRequest(text)) {
        yield* this.sayAndEnd(OPT_OUT_LINE, 'opt_out');
        return;
      }
      yield* this.sayAndEnd(step.line, 'consent_refused');
      return;
    }
    const resumeAt = this.resumeStage();
    if (resumeAt) this.moveTo(resumeAt, 'resume');
    else this.moveTo(this.stages.nextStage() ?? 'close', 'plan');
    yield* this.modelTurn(signal);
  }

  /** The plan's stage to pick up at on a callback: the one reached, else the next one the plan has. */
  private resumeStage(): StageName | undefined {
    const reached = this.ctx.resumeState?.stage;
    if (!reached || reached === 'greeting') return undefined;
    const at = this.plan.stages.find((s) => stageIndex(s.name) >= stageIndex(reached));
    return at && at.name !== 'greeting' ? at.name : undefined;
  }

  private async *say(line: string): AsyncGenerator<AgentEvent> {
    const reply = this.history.begin();
    reply.addText(line);
    yield { type: 'text', delta: line };
  }

  private async *sayAndEnd(line: string, reason: string): AsyncGenerator<AgentEvent> {
    yield* this.say(line);
    this.endedWith = reason;
    yield { type: 'end_call', reason };
  }

  private async *modelTurn(signal: AbortSignal): AsyncGenerator<AgentEvent> {
    const state: TurnState = { reply: this.history.begin(), fillerSent: false, metricsSent: false };
    state.images = await this.workspaceImages();
    let finished = false;
    try {
      yield* this.modelLoop(state, signal);
      finished = !signal.aborted;
    } finally {
      // Aborted (barge-in) or abandoned by the consumer: unless told otherwise, nothing of it counts as heard.
      if (!finished) state.reply.aborted = true;
    }
  }

  private async *modelLoop(state: TurnState, signal: AbortSignal): AsyncGenerator<AgentEvent> {
    let model = this.model;
    let toolRounds = 0;
    // Hard bound on model calls: the tool rounds, one last round without tools, one fallback.
    for (let call = 0; call < this.opts.maxToolRounds + 2 && !signal.aborted; call++) {
      const allowTools = toolRounds < this.opts.maxToolRounds;
      const round = yield* this.streamRound(model, allowTools, state, signal);
      if (signal.aborted) break;
      if (round.error !== undefined) {
        const canFallBack = state.reply.planned === '' && model !== this.planModel;
        this.recordModelError(model, round.error, canFallBack);
        if (!canFallBack) break;
        model = this.planModel;
        continue;
      }
      if (round.calls.length > 0 && allowTools) {
        state.reply.sealRound(round.calls);
        for (const toolCall of round.calls) {
          const outcome = yield* this.runTool(toolCall, state, signal);
          if (!outcome) break;
          state.reply.addToolResult(toolCall.id, outcome.content);
        }
        if (signal.aborted) break;
        toolRounds++;
        if (state.endReason !== undefined) break;
        state.reply.openRound();
        continue;
      }
      if (round.calls.length > 0) this.record('interview.tool_rounds_exhausted', { ignored: round.calls.map((c) => c.name), maxToolRounds: this.opts.maxToolRounds });
      if (state.reply.planned.trim() === '' && model !== this.planModel) {
        this.recordModelError(model, new Error('the model produced no speech'), true);
        model = this.planModel;
        continue;
      }
      break;
    }
    if (signal.aborted) return;
    if (state.reply.planned.trim()) this.repliesInStage++;
    if (state.endReason !== undefined) {
      if (state.reply.planned.trim() === '') {
        state.reply.addText(GOODBYE_LINE);
        yield { type: 'text', delta: GOODBYE_LINE };
      }
      this.endedWith = state.endReason;
      yield { type: 'end_call', reason: state.endReason };
    }
  }

  private async *streamRound(
    model: ChatModel,
    allowTools: boolean,
    state: TurnState,
    signal: AbortSignal,
  ): AsyncGenerator<AgentEvent, { calls: ToolCall[]; error?: unknown }> {
    const request: ChatRequest = {
      messages: [{ role: 'system', content: this.systemPrompt() }, ...beforeLastUser(this.history.messages(), state.images ?? null)],
      ...(allowTools ? { tools: [...TOOL_SPECS] } : {}),
      maxTokens: this.opts.maxReplyTokens,
      temperature: this.opts.temperature,
      signal,
    };
    const calls: ToolCall[] = [];
    const startedAt = performance.now();
    let firstMs: number | undefined;
    let firstDelta = true;
    try {
      for await (const ev of model.stream(request)) {
        if (signal.aborted) break;
        if (ev.type === 'text') {
          if (!ev.delta) continue;
          firstMs ??= performance.now() - startedAt;
          // Text from an earlier round (before a tool call) must not run into this round's first word.
          const said = firstDelta ? state.reply.planned : '';
          firstDelta = false;
          const delta = said && !/\s$/.test(said) && !/^\s/.test(ev.delta) ? ` ${ev.delta}` : ev.delta;
          state.reply.addText(delta);
          yield { type: 'text', delta };
        } else if (ev.type === 'tool_call') {
          firstMs ??= performance.now() - startedAt;
          calls.push(ev.call);
        } else if (ev.type === 'done') {
          if (ev.timeToFirstTokenMs !== undefined) firstMs = ev.timeToFirstTokenMs;
          if (ev.usage) {
            this.llmUsage.promptTokens += ev.usage.promptTokens;
            this.llmUsage.completionTokens += ev.usage.completionTokens;
          }
        }
      }
    } catch (err) {
      if (signal.aborted) return { calls: [] };
      return { calls: [], error: err };
    }
    if (!state.metricsSent && firstMs !== undefined && !signal.aborted) {
      state.metricsSent = true;
      yield { type: 'metrics', llmFirstTokenMs: firstMs, model: model.name };
    }
    return { calls };
  }

  private async *runTool(call: ToolCall, state: TurnState, signal: AbortSignal): AsyncGenerator<AgentEvent, ToolOutcome | undefined> {
    const startedAt = performance.now();
    const pending = this.runner.run(call, signal);
    // Observe a rejection now, so an abort while we wait on the timer is never an unhandled rejection.
    pending.catch(() => undefined);
    if (!state.fillerSent) {
      let timer: NodeJS.Timeout | undefined;
      const slow = await Promise.race([
        pending.then(
          () => false,
          () => false,
        ),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.opts.fillerAfterMs))),
      ]);
      clearTimeout(timer);
      if (slow && !signal.aborted) {
        state.fillerSent = true;
        yield { type: 'filler', text: this.opts.fillerText };
      }
    }
    let outcome: ToolOutcome;
    try {
      outcome = await pending;
    } catch (err) {
      if (signal.aborted) return undefined;
      throw err;
    }
    this.record('interview.tool_call', {
      name: outcome.name,
      args: outcome.args,
      ok: outcome.ok,
      result: outcome.summary,
      stage: this.stages.current,
      durationMs: Math.round(performance.now() - startedAt),
    });
    if (outcome.transition) this.noteTransition(outcome.transition);
    if (outcome.surfaceOpened) this.surfaceOpen = outcome.surfaceOpened;
    if (outcome.endInterview) state.endReason = outcome.endInterview.reason;
    if (outcome.citationIds) this.turnCitations.push(...outcome.citationIds);
    return outcome;
  }

  /** The workspace's new pictures as one message (null: none, vision off, or the workspace failed to answer). */
  private async workspaceImages(): Promise<ChatMessage | null> {
    if (!this.ctx.workspaceImages) return null;
    try {
      return workspaceImageMessage(await this.ctx.workspaceImages());
    } catch {
      return null;
    }
  }

  private systemPrompt(): string {
    return buildSystemPrompt({
      library: this.library,
      plan: this.plan,
      stage: this.stages.current,
      timeLeftMs: this.stages.timeLeftMs(this.clock()),
      candidateName: this.ctx.candidate.name,
      roleTitle: this.ctx.role.title,
      companyName: this.ctx.companyName,
      jobDescription: this.ctx.role.description,
      resume: this.ctx.resume,
      surfaceOpen: this.surfaceOpen,
      workspaceNote: this.ctx.workspace?.() ?? undefined,
    });
  }

  private moveTo(to: StageName, reason: StageTransition['reason']): void {
    if (this.stages.current === to) return;
    this.noteTransition(this.stages.transition(reason, this.clock(), to));
  }

  private noteTransition(t: StageTransition): void {
    // A new stage starts with no workspace surface considered open.
    this.surfaceOpen = undefined;
    this.repliesInStage = 0;
    this.record('interview.stage', { from: t.from, to: t.to, reason: t.reason, elapsedMs: t.elapsedMs });
  }

  private recordModelError(model: ChatModel, err: unknown, fallback: boolean): void {
    this.record('interview.model_error', {
      model: model.name,
      error: errorMessage(err),
      ...(err instanceof ProviderError ? { kind: err.kind, provider: err.provider } : {}),
      fallback: fallback ? this.planModel.name : null,
      stage: this.stages.current,
    });
  }
}

function answeredIds(plan: InterviewPlan, resume: ResumeState): string[] {
  return plan.stages.flatMap((s) => s.questions.filter((q) => wasAnswered(q.text, resume)).map((q) => q.id));
}

function withoutQuestions(plan: InterviewPlan, ids: ReadonlySet<string>): InterviewPlan {
  return { ...plan, stages: plan.stages.map((s) => ({ ...s, questions: s.questions.filter((q) => !ids.has(q.id)) })) };
}

function truncate(text: string, maxChars: number): string {
  const t = text.trim();
  return t.length <= maxChars ? t : `${t.slice(0, maxChars)} …`;
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** An event sink that throws must not break a live call. */
function safeSink(record: RecordEvent): RecordEvent {
  return (type, payload) => {
    try {
      record(type, payload);
    } catch {
      // ignored on purpose
    }
  };
}
