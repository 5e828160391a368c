/** Grounded questions: the plan names the candidate's own claim, favours the role's must-haves, and cites both. */
import { describe, expect, it } from 'vitest';
import { buildPlan, type GroundingBrief } from '../../src/interview/plan.js';
import { Interviewer } from '../../src/interview/interviewer.js';
import { ToolRunner } from '../../src/interview/tools.js';
import { StageMachine } from '../../src/interview/stages.js';
import { recorder, turn } from './helpers.js';

const brief: GroundingBrief = {
  projects: [{ title: 'the migration of billing to Kafka', claim: 'Led the migration of billing to Kafka, cutting p99 latency by 40%.', citationId: 'resume:p1:c3' }],
  mustHaves: [{ text: '5+ years building services on PostgreSQL', citationId: 'role:p1:c2' }],
};
const role = { roleTitle: 'Backend Engineer', level: 'mid', description: 'Go services on PostgreSQL.' };

describe('grounded plan', () => {
  it('opens the experience stage on a claim from the resume, with its citation', () => {
    const plan = buildPlan({ ...role, grounding: brief });
    const experience = plan.stages.find((s) => s.name === 'experience')!;
    expect(experience.questions[0]).toMatchObject({
      text: expect.stringMatching(/^Your resume mentions the migration of billing to Kafka\. What was your part in it/),
      citationIds: ['resume:p1:c3'],
    });
    // Without grounding the plan is as before: no citations anywhere.
    const plain = buildPlan(role);
    expect(plain.stages.flatMap((s) => s.questions).some((q) => q.citationIds)).toBe(false);
  });

  it('technical questions on a must-have carry the requirement citation', () => {
    const plan = buildPlan({ ...role, grounding: brief });
    const cited = plan.stages.flatMap((s) => s.questions).filter((q) => q.citationIds?.includes('role:p1:c2'));
    expect(cited.length).toBeGreaterThan(0);
  });

  it('the plan-driven interviewer asks the grounded question and annotates that reply with the citation', async () => {
    const rec = recorder();
    let now = 0;
    const agent = new Interviewer({
      context: { interviewId: 'iv', candidate: { name: 'Ada' }, role: { title: role.roleTitle, level: role.level, description: role.description }, grounding: brief },
      record: rec.record,
      clock: () => now,
    });
    const opening = agent.opening();
    agent.onSpoken({ replyId: 'greeting', planned: opening, heard: opening, interrupted: false });
    let found: string[] | undefined;
    for (let i = 0; i < 20 && !found; i++) {
      now += 20_000;
      const r = await turn(agent, i === 0 ? 'Yes, go ahead.' : `Answer ${i}, with reasoning and trade-offs.`);
      const spoken = { replyId: `r${i}`, planned: r.text, heard: r.text, interrupted: false };
      agent.onSpoken(spoken);
      const note = agent.annotate(spoken);
      if (/Your resume mentions/.test(r.text)) found = note?.citationIds;
    }
    expect(found).toEqual(['resume:p1:c3']);
  });

  it('a grounding tool result passes its citation ids on to the outcome', async () => {
    const stages = new StageMachine(buildPlan(role).stages, 0);
    stages.transition('plan', 0, 'introduction');
    const runner = new ToolRunner({
      stages,
      clock: () => 0,
      ready: () => true,
      tools: { grounding: { resumeSearch: async () => ({ passages: '…', citationIds: ['resume:p2:c1'] }), roleSearch: async () => ({ citationIds: [] }) } },
    });
    const outcome = await runner.run({ id: 't1', name: 'resume_search', arguments: JSON.stringify({ query: 'kafka' }) }, new AbortController().signal);
    expect(outcome).toMatchObject({ ok: true, citationIds: ['resume:p2:c1'] });
  });
});
