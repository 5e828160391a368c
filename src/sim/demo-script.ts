/**
 * The demo's simulated candidate and the short interview plan it answers: every stage once, one question each,
 * with one barge-in (the candidate asks to repeat over the agent) and one backchannel ("mm-hm" over the agent).
 * Lines are single sentences without commas, checked to have no pause near the 300 ms endpointing in eSpeak's
 * rendering: the Deepgram simulator gives each speech segment the next line, so a split line would shift the script.
 */
import type { CandidateScript } from './candidate-script.js';
import type { InterviewPlan } from '../interview/plan.js';

export const DEMO_ROLE = {
  title: 'Backend Engineer',
  level: 'senior',
  description: 'Python services on PostgreSQL and Redis queues, deployed on AWS. You will own the notification platform.',
};

export const DEMO_CANDIDATE = { name: 'Alex Rivera', phone: '+15005550006', email: 'alex@example.com' };

export function demoScript(id: string): CandidateScript {
  return {
    id,
    lines: [
      { text: 'Yes I agree to continue.', kind: 'answer' },
      { text: 'I like building reliable backend systems and this team owns the notification platform.', kind: 'answer' },
      { text: 'Our payment queue backed up during a big sale and I found a slow query holding locks.', kind: 'answer' },
      { text: 'Sorry could you repeat the question please?', kind: 'barge_in', interruptAfterMs: 2500 },
      { text: 'I would keep a list of request times per client and drop the old ones.', kind: 'answer' },
      { text: 'Mm-hm.', kind: 'backchannel', interruptAfterMs: 1500 },
      { text: 'I would put a queue in front of one worker pool per channel with retries.', kind: 'answer' },
      { text: 'How big is the team?', kind: 'answer' },
    ],
  };
}

/** The line that answers the coding exercise: with `--browser` it is spoken once the exercise is submitted. */
export const DEMO_CODING_ANSWER = 4;

/** Every stage of the full plan, trimmed to its first question with no follow-ups (a two-minute interview). */
export function shortenPlan(plan: InterviewPlan): InterviewPlan {
  return {
    ...plan,
    stages: plan.stages.map((s) => ({ ...s, questions: s.questions.slice(0, 1).map((q) => ({ ...q, followUps: [] })) })),
  };
}
