/**
 * Runs the interviewer's tool calls. `next_stage` and `end_interview` act on the stage machine; the surfaces (IDE,
 * board) and grounding (resume/role search) are injected by the deployment, and when absent the model is told so
 * plainly (`not_available`) rather than given a made-up result. Every failure becomes a JSON result the model can
 * read: a bad tool call never crashes the turn.
 */
import { isAbortError, linkSignals, raceAbort } from '../lib/abort.js';
import type { ToolCall } from '../providers/llm.js';
import type { Surface } from './question-bank.js';
import type { StageMachine, StageName, StageTransition } from './stages.js';
import { parseToolArgs, toolSpec } from './tool-specs.js';

export { TOOL_SPECS, parseToolArgs, toolSpec } from './tool-specs.js';
export type { ToolName } from './tool-specs.js';

/** A JSON-serialisable result for the model. */
export type ToolResult = Record<string, unknown>;

/** The candidate's workspace surfaces (served by the workspace feature). */
export interface SurfaceTools {
  openIde(args: { problem: string }, signal: AbortSignal): Promise<ToolResult>;
  openBoard(args: { prompt: string }, signal: AbortSignal): Promise<ToolResult>;
}

/** Retrieval over the resume and the job description (served by the grounding feature). */
export interface GroundingTools {
  resumeSearch(args: { query: string }, signal: AbortSignal): Promise<ToolResult>;
  roleSearch(args: { query: string }, signal: AbortSignal): Promise<ToolResult>;
}

export interface InterviewTools {
  surfaces?: SurfaceTools;
  grounding?: GroundingTools;
}

export interface ToolOutcome {
  name: string;
  /** Validated arguments, or the raw text when they did not validate. */
  args: Record<string, string> | string;
  ok: boolean;
  /** JSON text for the `tool` message. */
  content: string;
  /** A short description for the event log. */
  summary: string;
  transition?: StageTransition;
  endInterview?: { reason: string };
  surfaceOpened?: Surface;
  /** Citation ids of the passages a grounding tool returned. */
  citationIds?: string[];
}

export interface ToolRunnerDeps {
  stages: StageMachine;
  clock: () => number;
  tools?: InterviewTools;
  /** Greeting guard: false until the opening has been spoken and consent given. */
  ready: () => boolean;
  /** Longest an injected tool may take. Default 5000. */
  toolTimeoutMs?: number;
  /** Largest tool result passed back to the model. Default 4000 characters. */
  maxResultChars?: number;
}

export class ToolRunner {
  private readonly timeoutMs: number;
  private readonly maxResultChars: number;

  constructor(private readonly deps: ToolRunnerDeps) {
    this.timeoutMs = deps.toolTimeoutMs ?? 5000;
    this.maxResultChars = deps.maxResultChars ?? 4000;
  }

  async run(call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
    const spec = toolSpec(call.name);
    if (!spec) return this.fail(call.name, call.arguments, 'unknown_tool', `there is no tool named ${call.name}`);
    if (!this.deps.ready()) {
      return this.fail(call.name, call.arguments, 'not_ready', 'tools are not available until the opening has finished');
    }
    const parsed = parseToolArgs(spec, call.arguments);
    if (!parsed.ok) return this.fail(call.name, call.arguments, 'invalid_arguments', parsed.error);
    const args = parsed.value;
    switch (call.name) {
      case 'next_stage':
        return this.nextStage(args);
      case 'end_interview':
        return this.endInterview(args);
      case 'open_ide':
        return this.external(call.name, args, this.deps.tools?.surfaces, (t, s) => t.openIde({ problem: args.problem as string }, s), signal, 'ide');
      case 'open_board':
        return this.external(call.name, args, this.deps.tools?.surfaces, (t, s) => t.openBoard({ prompt: args.prompt as string }, s), signal, 'board');
      case 'resume_search':
        return this.external(call.name, args, this.deps.tools?.grounding, (t, s) => t.resumeSearch({ query: args.query as string }, s), signal);
      case 'role_search':
        return this.external(call.name, args, this.deps.tools?.grounding, (t, s) => t.roleSearch({ query: args.query as string }, s), signal);
      default:
        return this.fail(call.name, args, 'unknown_tool', `there is no tool named ${call.name}`);
    }
  }

  private nextStage(args: Record<string, string>): ToolOutcome {
    const { stages } = this.deps;
    const to = (args.to as StageName | undefined) ?? stages.nextStage();
    if (to === undefined) return this.fail('next_stage', args, 'invalid_transition', 'the interview is already closing');
    const verdict = stages.check(to);
    if (!verdict.ok) return this.fail('next_stage', args, 'invalid_transition', verdict.error);
    const transition = stages.transition('tool', this.deps.clock(), to);
    return {
      name: 'next_stage',
      args,
      ok: true,
      content: JSON.stringify({ ok: true, stage: transition.to, previous: transition.from }),
      summary: `${transition.from} -> ${transition.to}`,
      transition,
    };
  }

  private endInterview(args: Record<string, string>): ToolOutcome {
    const { stages } = this.deps;
    const transition = stages.isClosed ? undefined : stages.transition('tool', this.deps.clock(), 'close');
    const reason = args.reason as string;
    return {
      name: 'end_interview',
      args,
      ok: true,
      content: JSON.stringify({ ok: true, ending: true }),
      summary: `ending: ${reason}`,
      ...(transition ? { transition } : {}),
      endInterview: { reason },
    };
  }

  private async external<T>(
    name: string,
    args: Record<string, string>,
    impl: T | undefined,
    invoke: (impl: T, signal: AbortSignal) => Promise<ToolResult>,
    signal: AbortSignal,
    surface?: Surface,
  ): Promise<ToolOutcome> {
    if (!impl) return this.fail(name, args, 'not_available', `${name} is not available in this deployment`);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const linked = linkSignals(signal, timeout);
    try {
      const result = await raceAbort(invoke(impl, linked.signal), linked.signal);
      const content = this.bound(JSON.stringify({ ok: true, result }));
      const citationIds = Array.isArray(result.citationIds) ? result.citationIds.filter((c): c is string => typeof c === 'string') : undefined;
      return {
        name,
        args,
        ok: true,
        content,
        summary: `ok (${content.length} chars)`,
        ...(surface ? { surfaceOpened: surface } : {}),
        ...(citationIds?.length ? { citationIds } : {}),
      };
    } catch (err) {
      if (signal.aborted) throw err;
      if (timeout.aborted) return this.fail(name, args, 'timeout', `${name} took longer than ${this.timeoutMs} ms`);
      // Not the tool's message: it may carry internals the model should not repeat.
      return this.fail(name, args, 'tool_failed', `${name} failed; carry on without it`, err);
    } finally {
      linked.dispose();
    }
  }

  private bound(content: string): string {
    if (content.length <= this.maxResultChars) return content;
    return JSON.stringify({ ok: true, truncated: true, text: content.slice(0, this.maxResultChars) });
  }

  private fail(name: string, args: Record<string, string> | string, error: string, message: string, cause?: unknown): ToolOutcome {
    const detail = cause instanceof Error && !isAbortError(cause) ? `: ${cause.message}` : '';
    return {
      name,
      args,
      ok: false,
      content: JSON.stringify({ error, message }),
      summary: `${error}${detail ? detail.slice(0, 200) : ''}`,
    };
  }
}
