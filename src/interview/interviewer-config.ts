/** The Interviewer's constructor arguments: the interview's context, the model, the event sink and options. */
import type { ChatModel } from '../providers/llm.js';
import type { RecordEvent } from '../store/events/catalogue.js';
import type { PlanDrivenModel, PlanDrivenModelOptions } from './plan-model.js';
import type { GroundingBrief, InterviewPlan } from './plan.js';
import type { PromptLibrary } from './prompt-library.js';
import type { StageName } from './stages.js';
import type { InterviewTools } from './tools.js';
import type { ResumeState } from './recovery/resume-state.js';

/** A picture from the candidate's workspace for the model's context (background, never described back). */
export interface WorkspaceImage {
  kind: 'board_png' | 'screen_jpeg';
  dataUrl: string;
}

export interface InterviewContext {
  interviewId: string;
  candidate: { name: string };
  role: { title: string; level?: string; description?: string };
  focus?: string | string[];
  companyName?: string;
  /** Resume text (untrusted; fenced in the prompt). */
  resume?: string;
  /** Claimed projects and the role's must-haves, with citation ids (grounded questions). */
  grounding?: GroundingBrief;
  /** The candidate's workspace as a compact summary, read when the next prompt is built (null: nothing yet). */
  workspace?: () => string | null;
  /**
   * At a natural break: the workspace's newest pictures not offered before (the board's PNG snapshot, a screen-share
   * frame) as data URLs, for a model that accepts images; empty when there is none or vision is off.
   */
  workspaceImages?: () => Promise<WorkspaceImage[]>;
  /** A question about the candidate's design board (from its summary) for the plan-driven interviewer, or null. */
  boardProbe?: () => { key: string; text: string } | null;
  /** A callback of an interrupted call: where it stopped and what was answered (recovery/resume-state.ts). */
  resumeState?: ResumeState;
}

export interface InterviewerOptions {
  budgetsMs?: Partial<Record<StageName, number>>;
  /** Model rounds that may call tools per turn. Default 3. */
  maxToolRounds?: number;
  /** A tool slower than this makes the agent say the filler once. Default 800. */
  fillerAfterMs?: number;
  fillerText?: string;
  /** Longest candidate turn kept for the prompt. Default 2000 characters. */
  maxTurnChars?: number;
  maxHistoryChars?: number;
  maxHistoryMessages?: number;
  maxReplyTokens?: number;
  temperature?: number;
  toolTimeoutMs?: number;
  library?: PromptLibrary;
  /** A prebuilt plan (otherwise built from the context). */
  plan?: InterviewPlan;
  /** Reshapes the plan built from the context (the demo keeps one question per stage). Ignored with `plan`. */
  adaptPlan?: (plan: InterviewPlan) => InterviewPlan;
  planModel?: PlanDrivenModelOptions;
}


export interface InterviewerDeps {
  context: InterviewContext;
  /** The language model. Omitted: the plan-driven model runs the interview on its own. */
  model?: ChatModel;
  /**
   * Optional: wraps `model` with the interview's own plan-driven model, e.g. a FallbackChatModel([primary, plan])
   * so the wrapper fails over before the first token. The interviewer still falls back per turn on its own.
   */
  wrapModel?: (primary: ChatModel, planModel: PlanDrivenModel) => ChatModel;
  record: RecordEvent;
  clock?: () => number;
  tools?: InterviewTools;
  options?: InterviewerOptions;
}

export const FILLER_TEXT = 'One moment.';
