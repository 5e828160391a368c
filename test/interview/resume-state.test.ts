/**
 * Resuming an interrupted interview from its event log: the state rebuilt from the first call's events, and the
 * callback's interviewer that opens with "we were cut off", jumps to the stage reached and leaves out the answered
 * question (the unanswered one is asked again).
 */
import { describe, expect, it } from 'vitest';
import { Interviewer, RESUME_OPENING } from '../../src/interview/interviewer.js';
import { rebuildResumeState, wasAnswered } from '../../src/interview/recovery/resume-state.js';
import type { RecordEvent } from '../../src/store/events/catalogue.js';
import { heardTurn, recorder } from './helpers.js';

const context = { interviewId: 'iv-resume', candidate: { name: 'Rae Resume' }, role: { title: 'Backend Engineer', level: 'mid' } };
const squash = (t: string) => t.replace(/\s+/g, ' ').trim();

describe('resume state from the event log', () => {
  it('no call.interrupted: no resume (a first call or a hang-up starts over)', () => {
    expect(rebuildResumeState([{ type: 'interview.stage', payload: { from: 'greeting', to: 'introduction' } }])).toBeUndefined();
  });

  it('a callback resumes at the stage reached without the answered question', async () => {
    const rec = recorder();
    const first = new Interviewer({ context, record: rec.record as unknown as RecordEvent });
    const opening = first.opening();
    rec.events.push({ type: 'agent.speech', payload: { planned: opening, heard: opening } });
    const intro = await heardTurn(first, 'Yes, I agree.');
    rec.events.push({ type: 'agent.speech', payload: { planned: intro.text, heard: intro.text } });
    const experience = await heardTurn(first, 'I build backend services in Go and own them in production.');
    rec.events.push({ type: 'agent.speech', payload: { planned: experience.text, heard: experience.text } });
    expect(first.stage).toBe('experience');
    // The process dies here: the experience question was heard but not answered.
    rec.events.push({ type: 'call.interrupted', payload: { reason: 'process_died' } });

    const state = rebuildResumeState(rec.events)!;
    expect(state).toMatchObject({ stage: 'experience', consentGiven: true, interruptedBy: 'process_died' });
    expect(wasAnswered(intro.text, state)).toBe(true);

    const rec2 = recorder();
    const callback = new Interviewer({ context: { ...context, resumeState: state }, record: rec2.record as unknown as RecordEvent });
    expect(callback.opening().startsWith(RESUME_OPENING)).toBe(true);
    const resumed = rec2.of('interview.resumed')[0]!;
    expect(resumed).toMatchObject({ fromStage: 'experience', interruptedBy: 'process_died' });
    expect((resumed.skippedQuestions as string[]).length).toBe(1);
    const next = await heardTurn(callback, 'Yes.');
    expect(callback.stage).toBe('experience');
    expect(rec2.of('interview.stage')[0]).toMatchObject({ from: 'greeting', to: 'experience', reason: 'resume' });
    expect(squash(next.text)).not.toContain(squash(intro.text));
    const experienceQuestion = squash(experience.text).replace(/^(Thanks|Okay|Got it|Understood|Alright)\. /, '');
    expect(squash(next.text)).toContain(experienceQuestion);
  });
});
