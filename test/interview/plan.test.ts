import { mkdtempSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchKeyterms, roleFamily } from '../../src/interview/keyterms.js';
import { buildPlan, normalizeLevel } from '../../src/interview/plan.js';
import { defaultPromptLibrary, findPromptsDir, loadPromptLibrary } from '../../src/interview/prompt-library.js';
import { parseQuestionBank } from '../../src/interview/question-bank.js';

const JD = 'You will build APIs in Python and Go on PostgreSQL, stream events through Kafka and deploy to Kubernetes (k8s) on AWS.';

describe('keyterms', () => {
  it('finds technologies with canonical spellings and aliases', () => {
    expect(matchKeyterms(JD)).toEqual(['Python', 'Go', 'PostgreSQL', 'Kafka', 'Kubernetes', 'AWS']);
    expect(matchKeyterms('We love postgres, node js, React and C++ and C#.')).toEqual(
      expect.arrayContaining(['PostgreSQL', 'Node.js', 'React', 'C++', 'C#']),
    );
  });

  it('does not match inside other words or common verbs', () => {
    expect(matchKeyterms('Let us go to the meeting; reactive programming; its goals')).toEqual([]);
  });

  it('derives the role family from the title, else from the technologies', () => {
    expect(roleFamily('Senior Frontend Engineer', [])).toBe('frontend');
    expect(roleFamily('Software Engineer', ['React', 'TypeScript', 'JavaScript'])).toBe('frontend');
    expect(roleFamily('Software Engineer', ['React', 'PostgreSQL'])).toBe('fullstack');
    expect(roleFamily('Software Engineer', [])).toBe('general');
  });
});

describe('normalizeLevel', () => {
  it.each([
    ['senior', '', 'senior'],
    [undefined, 'Sr. Backend Engineer', 'senior'],
    [undefined, 'Staff Engineer', 'staff'],
    ['Junior', '', 'junior'],
    [undefined, 'Software Engineering Intern', 'junior'],
    [undefined, 'Software Engineer', 'mid'],
  ] as const)('%s / %s → %s', (level, title, expected) => {
    expect(normalizeLevel(level, title)).toBe(expected);
  });
});

describe('buildPlan', () => {
  it('is deterministic for the same inputs', () => {
    const input = { roleTitle: 'Senior Backend Engineer', description: JD };
    expect(buildPlan(input)).toEqual(buildPlan(input));
  });

  it('starts with greeting, ends with close, and follows the stage order', () => {
    const plan = buildPlan({ roleTitle: 'Backend Engineer', level: 'mid', description: JD });
    expect(plan.stages.map((s) => s.name)).toEqual([
      'greeting',
      'introduction',
      'experience',
      'technical',
      'system_design',
      'candidate_questions',
      'close',
    ]);
    expect(plan.keyterms).toContain('PostgreSQL');
    expect(plan.family).toBe('backend');
    expect(plan.promptVersion).toMatch(/stance@\d+/);
  });

  it('goes deeper for senior than junior, and leaves system design out for juniors', () => {
    const junior = buildPlan({ roleTitle: 'Junior Backend Engineer', description: JD });
    const senior = buildPlan({ roleTitle: 'Senior Backend Engineer', description: JD });
    expect(junior.stages.map((s) => s.name)).not.toContain('system_design');
    const depth = (p: typeof junior) => Math.max(...(p.stages.find((s) => s.name === 'technical')?.questions ?? []).map((q) => q.followUps.length));
    expect(depth(senior)).toBeGreaterThan(depth(junior));
  });

  it('focus can add system design for a junior role', () => {
    const plan = buildPlan({ roleTitle: 'Junior Engineer', focus: 'system design' });
    expect(plan.stages.map((s) => s.name)).toContain('system_design');
  });

  it('picks questions that fit the role: frontend roles get frontend questions, backend roles SQL ones', () => {
    const fe = buildPlan({ roleTitle: 'Frontend Engineer', description: 'React and TypeScript' });
    const be = buildPlan({ roleTitle: 'Backend Engineer', description: 'PostgreSQL and Python' });
    const ids = (p: typeof fe) => p.stages.flatMap((s) => s.questions.map((q) => q.id));
    expect(ids(fe).some((id) => /react|event-loop|frontend/.test(id))).toBe(true);
    expect(ids(be).some((id) => /sql|transactions/.test(id))).toBe(true);
    expect(ids(fe)).not.toContain('tech-mobile-offline');
  });

  it('never plans two exercises on the same surface in one stage', () => {
    const plan = buildPlan({ roleTitle: 'Senior Engineer', focus: 'coding, algorithms' });
    const technical = plan.stages.find((s) => s.name === 'technical');
    expect(technical?.questions.filter((q) => q.surface === 'ide').length).toBeLessThanOrEqual(1);
  });

  it('applies configured budgets', () => {
    const plan = buildPlan({ roleTitle: 'Engineer' }, { budgetsMs: { technical: 1234 } });
    expect(plan.stages.find((s) => s.name === 'technical')?.budgetMs).toBe(1234);
  });
});

describe('prompt files', () => {
  it('resolves prompts/ from the package root and reads every version', () => {
    expect(findPromptsDir()).toMatch(/prompts$/);
    const lib = defaultPromptLibrary();
    expect(lib.versions.stance).toMatch(/^\d+$/);
    expect(Object.keys(lib.versions)).toEqual(expect.arrayContaining(['stance', 'stages', 'questions/technical']));
    expect(lib.banks.technical?.questions.length).toBeGreaterThan(3);
  });

  it('parses the bank format and rejects malformed banks', () => {
    const bank = parseQuestionBank(
      'version: 7\n<!-- c -->\n## a\ntags: Backend, SQL\nlevels: senior\nsurface: ide\nP: p\nQ: question?\nF: one\nF: two\n',
      'x',
    );
    expect(bank).toEqual({
      version: '7',
      questions: [{ id: 'a', tags: ['backend', 'sql'], levels: ['senior'], surface: 'ide', problem: 'p', text: 'question?', followUps: ['one', 'two'] }],
    });
    expect(() => parseQuestionBank('## a\nQ: x', 'x')).toThrow(/version/);
    expect(() => parseQuestionBank('version: 1\n## a\nF: only', 'x')).toThrow(/no "Q:"/);
    expect(() => parseQuestionBank('version: 1\n## a\nlevels: wizard\nQ: x', 'x')).toThrow(/unknown levels/);
  });

  it('loads a library from another directory and reports its versions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prompts-'));
    cpSync(findPromptsDir(), dir, { recursive: true });
    writeFileSync(join(dir, 'stance.md'), 'version: 99\nBe strict.');
    mkdirSync(join(dir, 'questions'), { recursive: true });
    const lib = loadPromptLibrary(dir);
    expect(lib.stance).toBe('Be strict.');
    expect(lib.version).toContain('stance@99');
  });
});
