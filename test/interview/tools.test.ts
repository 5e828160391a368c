import { describe, expect, it } from 'vitest';
import { StageMachine } from '../../src/interview/stages.js';
import type { StageName } from '../../src/interview/stages.js';
import { TOOL_SPECS, ToolRunner } from '../../src/interview/tools.js';
import type { GroundingTools, SurfaceTools } from '../../src/interview/tools.js';

const names: StageName[] = ['greeting', 'introduction', 'experience', 'technical', 'system_design', 'close'];

function setup(opts: { ready?: boolean; surfaces?: SurfaceTools; grounding?: GroundingTools; toolTimeoutMs?: number } = {}) {
  const stages = new StageMachine(
    names.map((name) => ({ name, budgetMs: 60_000, optional: name === 'experience' })),
    0,
  );
  stages.transition('plan', 0);
  let now = 1000;
  const runner = new ToolRunner({
    stages,
    clock: () => now,
    ready: () => opts.ready ?? true,
    tools: { surfaces: opts.surfaces, grounding: opts.grounding },
    toolTimeoutMs: opts.toolTimeoutMs,
  });
  const run = (name: string, args: unknown) =>
    runner.run({ id: 'c1', name, arguments: typeof args === 'string' ? args : JSON.stringify(args) }, new AbortController().signal);
  return { stages, runner, run, tick: (ms: number) => (now += ms) };
}

describe('tool specs', () => {
  it('declares the six tools with object schemas', () => {
    expect(TOOL_SPECS.map((t) => t.name)).toEqual(['next_stage', 'end_interview', 'open_ide', 'open_board', 'resume_search', 'role_search']);
    for (const t of TOOL_SPECS) expect(t.parameters).toMatchObject({ type: 'object', additionalProperties: false });
  });
});

describe('ToolRunner', () => {
  it('next_stage moves to the next stage and tells the model where it is', async () => {
    const { run, stages } = setup();
    const out = await run('next_stage', { reason: 'covered' });
    expect(out.ok).toBe(true);
    expect(JSON.parse(out.content)).toEqual({ ok: true, stage: 'experience', previous: 'introduction' });
    expect(out.transition).toMatchObject({ from: 'introduction', to: 'experience', reason: 'tool', atMs: 1000 });
    expect(stages.current).toBe('experience');
  });

  it('next_stage with `to` may skip an optional stage, but not go back', async () => {
    const { run, stages } = setup();
    expect((await run('next_stage', { to: 'technical', reason: 'x' })).ok).toBe(true);
    const back = await run('next_stage', { to: 'introduction', reason: 'x' });
    expect(back.ok).toBe(false);
    expect(JSON.parse(back.content)).toMatchObject({ error: 'invalid_transition' });
    expect(stages.current).toBe('technical');
  });

  it('end_interview moves to close and asks for the call to end', async () => {
    const { run, stages } = setup();
    const out = await run('end_interview', { reason: 'done' });
    expect(out.endInterview).toEqual({ reason: 'done' });
    expect(out.transition?.to).toBe('close');
    expect(stages.current).toBe('close');
  });

  it.each([
    ['open_ide', { problem: 'two sum' }],
    ['open_board', { prompt: 'design a cache' }],
    ['resume_search', { query: 'kafka' }],
    ['role_search', { query: 'on-call' }],
  ])('%s answers not_available when the deployment has none', async (name, args) => {
    const { run } = setup();
    const out = await run(name, args);
    expect(out.ok).toBe(false);
    expect(JSON.parse(out.content)).toEqual({ error: 'not_available', message: `${name} is not available in this deployment` });
  });

  it('calls injected surface and grounding tools and marks a surface as opened', async () => {
    const calls: string[] = [];
    const { run } = setup({
      surfaces: {
        openIde: async (a) => (calls.push(`ide:${a.problem}`), { opened: true }),
        openBoard: async (a) => (calls.push(`board:${a.prompt}`), { opened: true }),
      },
      grounding: {
        resumeSearch: async (a) => (calls.push(`resume:${a.query}`), { passages: [{ text: 'Kafka at Acme', cite: 'r1' }] }),
        roleSearch: async (a) => (calls.push(`role:${a.query}`), { passages: [] }),
      },
    });
    const ide = await run('open_ide', { problem: 'p' });
    expect(ide).toMatchObject({ ok: true, surfaceOpened: 'ide' });
    expect(JSON.parse(ide.content)).toEqual({ ok: true, result: { opened: true } });
    expect((await run('open_board', { prompt: 'q' })).surfaceOpened).toBe('board');
    expect(JSON.parse((await run('resume_search', { query: 'kafka' })).content).result.passages[0].cite).toBe('r1');
    await run('role_search', { query: 'x' });
    expect(calls).toEqual(['ide:p', 'board:q', 'resume:kafka', 'role:x']);
  });

  it.each([
    ['{not json', 'not valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['{}', 'missing argument reason'],
    ['{"reason": 5}', 'must be a string'],
    ['{"reason":"x","to":"lunch"}', 'must be one of'],
    ['{"reason":"x","extra":1}', 'unknown argument extra'],
    [JSON.stringify({ reason: 'x'.repeat(301) }), 'longer than 300'],
  ])('bad arguments %s become an error result, never a throw', async (raw, message) => {
    const { run, stages } = setup();
    const out = await run('next_stage', raw);
    expect(out.ok).toBe(false);
    const body = JSON.parse(out.content);
    expect(body.error).toBe('invalid_arguments');
    expect(body.message).toContain(message);
    expect(stages.current).toBe('introduction');
  });

  it('an unknown tool is an error result', async () => {
    const { run } = setup();
    expect(JSON.parse((await run('rm_rf', {})).content).error).toBe('unknown_tool');
  });

  it('refuses every tool before the opening has finished (greeting guard)', async () => {
    const { run, stages } = setup({ ready: false });
    const out = await run('next_stage', { reason: 'x' });
    expect(JSON.parse(out.content).error).toBe('not_ready');
    expect(stages.current).toBe('introduction');
  });

  it('a failing tool is reported without its internals, a hanging one times out', async () => {
    const failing = setup({
      grounding: {
        resumeSearch: async () => {
          throw new Error('db password is hunter2');
        },
        roleSearch: () => new Promise(() => {}),
      },
      toolTimeoutMs: 50,
    });
    const failed = await failing.run('resume_search', { query: 'x' });
    expect(JSON.parse(failed.content)).toEqual({ error: 'tool_failed', message: 'resume_search failed; carry on without it' });
    const hung = await failing.run('role_search', { query: 'x' });
    expect(JSON.parse(hung.content).error).toBe('timeout');
  });

  it('bounds a large tool result', async () => {
    const { run } = setup({
      grounding: { resumeSearch: async () => ({ text: 'a'.repeat(10_000) }), roleSearch: async () => ({}) },
    });
    const out = await run('resume_search', { query: 'x' });
    expect(out.content.length).toBeLessThan(4200);
    expect(JSON.parse(out.content).truncated).toBe(true);
  });
});
