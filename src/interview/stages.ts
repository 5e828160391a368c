/**
 * The interview's stage machine. Stages run in one fixed order; a plan includes a subset of them. Transitions go
 * forward only, may skip optional stages, can always reach `close`, and nothing leaves `close`. Every transition
 * carries a reason so the event log says why the interview moved on.
 */

export const STAGE_ORDER = [
  'greeting',
  'introduction',
  'experience',
  'technical',
  'system_design',
  'candidate_questions',
  'close',
] as const;

export type StageName = (typeof STAGE_ORDER)[number];

/** `resume`: a callback jumps straight to the stage the interrupted call reached (the stages before were passed). */
export type TransitionReason = 'tool' | 'timeout' | 'plan' | 'consent_refused' | 'resume';

export interface StageTransition {
  from: StageName;
  to: StageName;
  reason: TransitionReason;
  atMs: number;
  /** Time spent in `from`. */
  elapsedMs: number;
}

export interface StageSpec {
  name: StageName;
  /** How long the stage may run before `tick` moves on. Infinity: never times out. */
  budgetMs: number;
  /** A transition may skip over an optional stage. */
  optional: boolean;
}

/** Default budgets per stage (ms). The greeting never times out: consent is asked and answered explicitly. */
export const DEFAULT_STAGE_BUDGETS_MS: Readonly<Record<StageName, number>> = {
  greeting: Number.POSITIVE_INFINITY,
  introduction: 2 * 60_000,
  experience: 5 * 60_000,
  technical: 10 * 60_000,
  system_design: 10 * 60_000,
  candidate_questions: 3 * 60_000,
  close: 60_000,
};

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (STAGE_ORDER as readonly string[]).includes(value);
}

export function stageIndex(name: StageName): number {
  return STAGE_ORDER.indexOf(name);
}

export type TransitionCheck = { ok: true } | { ok: false; error: string };

export class StageMachine {
  private readonly specs: StageSpec[];
  private currentIndex = 0;
  private enteredAtMs: number;
  private readonly log: StageTransition[] = [];

  /** `stages` must start with `greeting` and end with `close`, in STAGE_ORDER, without repeats. */
  constructor(stages: readonly StageSpec[], startMs: number) {
    const names = stages.map((s) => s.name);
    if (names[0] !== 'greeting' || names.at(-1) !== 'close') {
      throw new Error('stage list must start with greeting and end with close');
    }
    for (let i = 1; i < names.length; i++) {
      if (stageIndex(names[i] as StageName) <= stageIndex(names[i - 1] as StageName)) {
        throw new Error(`stage list out of order or repeated at ${names[i]}`);
      }
    }
    this.specs = stages.map((s) => ({ ...s }));
    this.enteredAtMs = startMs;
  }

  get current(): StageName {
    return (this.specs[this.currentIndex] as StageSpec).name;
  }

  get isClosed(): boolean {
    return this.current === 'close';
  }

  get stages(): readonly StageSpec[] {
    return this.specs;
  }

  get transitions(): readonly StageTransition[] {
    return this.log;
  }

  get stageEnteredAtMs(): number {
    return this.enteredAtMs;
  }

  includes(name: StageName): boolean {
    return this.specs.some((s) => s.name === name);
  }

  /** The stage `next()` would go to, or undefined in `close`. */
  nextStage(): StageName | undefined {
    return this.specs[this.currentIndex + 1]?.name;
  }

  budgetMs(name: StageName = this.current): number {
    return this.specs.find((s) => s.name === name)?.budgetMs ?? 0;
  }

  timeLeftMs(nowMs: number): number {
    return this.budgetMs() - (nowMs - this.enteredAtMs);
  }

  check(to: StageName): TransitionCheck {
    const from = this.current;
    if (from === 'close') return { ok: false, error: 'the interview is closing; no further stages' };
    const target = this.specs.findIndex((s) => s.name === to);
    if (target < 0) return { ok: false, error: `stage ${to} is not part of this interview's plan` };
    if (target <= this.currentIndex) return { ok: false, error: `cannot go back from ${from} to ${to}` };
    if (to === 'close') return { ok: true };
    const skipped = this.specs.slice(this.currentIndex + 1, target).filter((s) => !s.optional);
    if (skipped.length > 0) {
      return { ok: false, error: `cannot skip required stage ${skipped.map((s) => s.name).join(', ')}` };
    }
    return { ok: true };
  }

  /** Moves to `to` (default: the next stage). Throws on an invalid transition; use `check` to ask first. */
  transition(reason: TransitionReason, nowMs: number, to: StageName | undefined = this.nextStage()): StageTransition {
    if (to === undefined) throw new Error('the interview is closing; no further stages');
    const verdict = this.check(to);
    const resumeSkip = reason === 'resume' && !verdict.ok && /^cannot skip/.test(verdict.error);
    if (!verdict.ok && !resumeSkip) throw new Error(verdict.error);
    const transition: StageTransition = {
      from: this.current,
      to,
      reason,
      atMs: nowMs,
      elapsedMs: nowMs - this.enteredAtMs,
    };
    this.currentIndex = this.specs.findIndex((s) => s.name === to);
    this.enteredAtMs = nowMs;
    this.log.push(transition);
    return transition;
  }

  /** Moves to the next stage when the current one's budget is spent. `close` and `greeting` never move on here. */
  tick(nowMs: number): StageTransition | undefined {
    if (this.current === 'close' || this.current === 'greeting') return undefined;
    if (this.timeLeftMs(nowMs) > 0) return undefined;
    return this.transition('timeout', nowMs);
  }

  /** The current stage's budget is spent (used for `close`, which has nowhere to move). */
  overdue(nowMs: number): boolean {
    return this.timeLeftMs(nowMs) <= 0;
  }
}
