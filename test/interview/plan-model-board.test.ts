import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/interview/plan.js';
import { TOOL_SPECS } from '../../src/interview/tools.js';
import { PlanDrivenModel } from '../../src/interview/plan-model.js';
import type { ChatEvent, ChatMessage } from '../../src/providers/llm.js';
import { boardProbe, summariseScene, type SceneElement } from '../../src/workspace/board/summarise.js';

const plan = buildPlan({ roleTitle: 'Senior Backend Engineer', level: 'senior', description: 'distributed systems' });
const design = plan.stages.find((s) => s.name === 'system_design');

async function ask(model: PlanDrivenModel, messages: ChatMessage[]) {
  const events: ChatEvent[] = [];
  for await (const ev of model.stream({ messages: [{ role: 'system', content: 'interview' }, ...messages], tools: [...TOOL_SPECS] })) events.push(ev);
  return { text: events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join(''), call: events.find((e): e is Extract<ChatEvent, { type: 'tool_call' }> => e.type === 'tool_call')?.call };
}

const rect = (id: string, label: string, x: number): SceneElement[] => [
  { id, type: 'rectangle', x, y: 0, width: 100, height: 50 },
  { id: `${id}t`, type: 'text', x: x + 5, y: 5, width: 50, height: 20, text: label, containerId: id },
];

describe('plan-driven interviewer and the board', () => {
  it('asks about what is on the board (the unconnected component) once, before its planned follow-ups', async () => {
    const scene: SceneElement[] = [
      ...rect('a', 'API', 0),
      ...rect('d', 'Database', 300),
      ...rect('c', 'Cache', 600),
      { id: 'x', type: 'arrow', x: 100, y: 25, width: 200, height: 0, points: [[0, 0], [200, 0]], startBinding: { elementId: 'a' }, endBinding: { elementId: 'd' }, endArrowhead: 'arrow' },
    ];
    expect(design?.questions[0]?.surface).toBe('board');
    let summary = summariseScene([]);
    const model = new PlanDrivenModel(plan, { stage: () => 'system_design', boardProbe: () => boardProbe(summary) });
    const q = design!.questions[0]!;
    const opened = await ask(model, [{ role: 'user', content: 'ready' }]);
    expect(opened.call).toMatchObject({ name: 'open_board' });
    expect((await ask(model, [{ role: 'tool', toolCallId: 'plan_1', content: '{"ok":true}' }])).text).toBe(q.text);
    summary = summariseScene(scene);
    const probe = await ask(model, [{ role: 'user', content: 'I put an API in front of a database and a cache.' }]);
    expect(probe.text).toMatch(/Nothing on your board connects to the Cache yet/);
    const next = await ask(model, [{ role: 'user', content: 'The API reads through the cache.' }]);
    expect(next.text).not.toMatch(/Cache yet/);
    if (q.followUps[0]) expect(next.text).toContain(q.followUps[0]);
  });
});
