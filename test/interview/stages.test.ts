import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE_BUDGETS_MS, StageMachine } from '../../src/interview/stages.js';
import type { StageName, StageSpec } from '../../src/interview/stages.js';

const spec = (name: StageName, budgetMs = DEFAULT_STAGE_BUDGETS_MS[name], optional = false): StageSpec => ({ name, budgetMs, optional });

function fullMachine(startMs = 0): StageMachine {
  return new StageMachine(
    [
      spec('greeting'),
      spec('introduction', 120_000),
      spec('experience', 300_000, true),
      spec('technical', 600_000),
      spec('system_design', 600_000),
      spec('candidate_questions', 180_000, true),
      spec('close', 60_000),
    ],
    startMs,
  );
}

describe('StageMachine', () => {
  it('moves forward one stage at a time with a reason and the time spent', () => {
    const m = fullMachine(1000);
    const t = m.transition('plan', 5000);
    expect(t).toEqual({ from: 'greeting', to: 'introduction', reason: 'plan', atMs: 5000, elapsedMs: 4000 });
    expect(m.current).toBe('introduction');
    expect(m.transition('tool', 6000).to).toBe('experience');
    expect(m.transitions.map((x) => x.reason)).toEqual(['plan', 'tool']);
  });

  it('refuses to go backwards or to stay', () => {
    const m = fullMachine();
    m.transition('plan', 0);
    m.transition('tool', 0, 'technical');
    expect(m.check('introduction')).toEqual({ ok: false, error: expect.stringContaining('cannot go back') });
    expect(m.check('technical').ok).toBe(false);
    expect(() => m.transition('tool', 0, 'experience')).toThrow(/cannot go back/);
    expect(m.current).toBe('technical');
  });

  it('may skip optional stages but not required ones', () => {
    const m = fullMachine();
    m.transition('plan', 0);
    // experience is optional: introduction → technical is fine.
    expect(m.check('technical').ok).toBe(true);
    // technical and system_design are required.
    expect(m.check('candidate_questions')).toEqual({ ok: false, error: expect.stringContaining('technical, system_design') });
  });

  it('reaches close from anywhere, and nothing leaves close', () => {
    const m = fullMachine();
    expect(m.check('close').ok).toBe(true);
    m.transition('consent_refused', 10, 'close');
    expect(m.isClosed).toBe(true);
    expect(m.check('close').ok).toBe(false);
    expect(m.nextStage()).toBeUndefined();
    expect(() => m.transition('tool', 20)).toThrow(/closing/);
  });

  it('rejects stages that are not in the plan', () => {
    const m = new StageMachine([spec('greeting'), spec('introduction'), spec('technical'), spec('close')], 0);
    m.transition('plan', 0);
    expect(m.check('system_design')).toEqual({ ok: false, error: expect.stringContaining('not part of') });
  });

  it('validates the stage list', () => {
    expect(() => new StageMachine([spec('introduction'), spec('close')], 0)).toThrow(/greeting/);
    expect(() => new StageMachine([spec('greeting'), spec('technical'), spec('introduction'), spec('close')], 0)).toThrow(/order/);
  });

  it('ticks to the next stage when the budget is spent, using the injected clock', () => {
    const m = fullMachine(0);
    m.transition('plan', 1000);
    expect(m.timeLeftMs(61_000)).toBe(60_000);
    expect(m.tick(120_999)).toBeUndefined();
    const t = m.tick(121_000);
    expect(t).toMatchObject({ from: 'introduction', to: 'experience', reason: 'timeout', elapsedMs: 120_000 });
    expect(m.current).toBe('experience');
    expect(m.timeLeftMs(121_000)).toBe(300_000);
  });

  it('never times out of the greeting (consent is explicit) and has nowhere to tick from close', () => {
    const m = fullMachine(0);
    expect(m.tick(10 * 3_600_000)).toBeUndefined();
    expect(m.current).toBe('greeting');
    m.transition('tool', 0, 'close');
    expect(m.tick(10 * 3_600_000)).toBeUndefined();
    expect(m.overdue(60_000)).toBe(true);
    expect(m.overdue(59_999)).toBe(false);
  });
});
