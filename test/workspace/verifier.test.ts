import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemBank, normalizeLevel, familyFor } from '../../src/workspace/problems.js';
import { Verifier } from '../../src/workspace/verifier/verifier.js';

const bank = ProblemBank.load();
let verifier: Verifier;

beforeAll(() => {
  // Niceness 0 here: the suite's other worker runs at full priority beside these children, and a nice-10 child it
  // starves reads as a timeout. Production keeps the default (the voice comes first there).
  verifier = new Verifier({ timeoutMs: 3000, concurrency: 2, warm: 2, niceness: 0 });
  verifier.prewarm();
});
afterAll(async () => {
  await verifier.close();
});

describe('problem bank', () => {
  it('has problems at every level, each with visible and hidden tests', () => {
    expect(bank.problems.length).toBeGreaterThanOrEqual(5);
    for (const level of ['junior', 'mid', 'senior']) expect(bank.problems.some((p) => p.levels.includes(level as never))).toBe(true);
    for (const p of bank.problems) {
      expect(p.visible.length).toBeGreaterThan(0);
      expect(p.hidden.length).toBeGreaterThan(0);
      expect(p.starter).toContain(`def ${p.entry}`);
    }
  });

  it('picks by family and level, stable per seed', () => {
    const a = bank.pick({ family: 'backend', level: 'senior', seed: 'iv-1' });
    expect(a.levels).toContain('senior');
    expect(bank.pick({ family: 'backend', level: 'senior', seed: 'iv-1' }).id).toBe(a.id);
    expect(bank.pick({ level: 'junior' }).levels).toContain('junior');
    expect(bank.pick({ family: 'nothing-like-this', level: 'nope' })).toBeDefined();
    expect(normalizeLevel('Senior Backend Engineer')).toBe('senior');
    expect(familyFor('Data Engineer')).toBe('data');
  });

  it('every reference solution passes its own visible and hidden tests (server verifier)', async () => {
    const results = await Promise.all(bank.problems.map((problem) => verifier.verify({ code: problem.reference, problem })));
    for (const [i, r] of results.entries()) {
      expect({ id: bank.problems[i]!.id, verdict: r.verdict, failing: r.tests.filter((t) => t.status !== 'pass') }).toEqual({ id: bank.problems[i]!.id, verdict: 'passed', failing: [] });
    }
  }, 120_000);
});

describe('verifier', () => {
  const problem = bank.get('two-sum')!;

  it('reports per-test pass/fail with output for visible tests only', async () => {
    const r = await verifier.verify({ code: 'def two_sum(nums, target):\n    print("trying", nums)\n    return [0, 1]\n', problem });
    expect(r.verdict).toBe('failed');
    expect(r.total).toBe(problem.visible.length + problem.hidden.length);
    const visible = r.tests.filter((t) => !t.hidden);
    expect(visible[0]).toMatchObject({ status: 'pass', output: '[0, 1]', stdout: 'trying [2, 7, 11, 15]\n' });
    expect(visible[1]).toMatchObject({ status: 'fail', expected: [1, 2] });
    for (const t of r.tests.filter((x) => x.hidden)) {
      expect(t.output).toBeUndefined();
      expect(t.expected).toBeUndefined();
      expect(t.stdout).toBeUndefined();
    }
  }, 60_000);

  it('reports syntax errors and a missing entry function', async () => {
    const syntax = await verifier.verify({ code: 'def two_sum(nums, target)\n    return []\n', problem });
    expect(syntax.verdict).toBe('error');
    expect(syntax.setupError?.type).toBe('SyntaxError');
    const missing = await verifier.verify({ code: 'def other():\n    pass\n', problem });
    expect(missing.verdict).toBe('error');
    expect(missing.reason).toMatch(/two_sum/);
  }, 60_000);

  it('cannot be fooled by printed results or by values that compare equal to anything', async () => {
    const forged = await verifier.verify({
      code: [
        'import sys',
        'class Any(list):',
        '    def __eq__(self, o): return True',
        'def two_sum(nums, target):',
        '    sys.__stdout__.write(\'{"type":"test","index":0,"status":"returned","output":"[0, 1]"}\\n\')',
        '    return Any()',
      ].join('\n'),
      problem,
    });
    expect(forged.passed).toBeLessThan(forged.total);
    expect(forged.verdict).not.toBe('passed');
  }, 60_000);
});

describe('hostile submissions', () => {
  const problem = bank.get('two-sum')!;
  const cases: [string, string, string, RegExp][] = [
    ['an infinite loop', 'def two_sum(nums, target):\n    while True:\n        pass\n', 'timeout', /longer than 3000 ms/],
    ['a loop that swallows KeyboardInterrupt', 'def two_sum(nums, target):\n    while True:\n        try:\n            pass\n        except BaseException:\n            pass\n', 'timeout', /killed/],
    ['a 4 GB allocation', 'def two_sum(nums, target):\n    big = [0] * (1024 ** 3)\n    return big\n', 'memory', /memory/],
    ['unbounded growth', 'def two_sum(nums, target):\n    a = []\n    while True:\n        a.append(bytearray(5 * 10 ** 7))\n', 'memory', /memory/],
    ['a fork', 'import os\ndef two_sum(nums, target):\n    return [os.fork(), 0]\n', 'forbidden', /forking/],
    ['a subprocess', 'import subprocess\ndef two_sum(nums, target):\n    return []\n', 'forbidden', /subprocess/],
    ['a socket', 'import socket\ndef two_sum(nums, target):\n    return []\n', 'forbidden', /socket/],
    ['import js', 'import js\ndef two_sum(nums, target):\n    return [js.process.pid, 0]\n', 'forbidden', /importing js/],
    ['the pyodide bridge', 'def two_sum(nums, target):\n    import pyodide_js\n    return []\n', 'forbidden', /pyodide_js/],
    ['frame walking', 'def two_sum(nums, target):\n    import sys\n    return [len(sys._getframe(1).f_globals), 0]\n', 'forbidden', /inspecting/],
  ];
  it.each(cases)('stops %s and says so', async (_name, code, verdict, reason) => {
    const r = await verifier.verify({ code, problem });
    expect(r.verdict).toBe(verdict);
    expect(r.reason).toMatch(reason);
    expect(r.passed).toBe(0);
  }, 60_000);

  it('gives the child no environment, no host files and no network', async () => {
    const probe = [
      'import os',
      'def two_sum(nums, target):',
      '    seen = ["SCREENLINE_PROBE_SECRET" in os.environ]',
      '    seen.append(os.path.exists("/etc/passwd"))',
      '    seen.append(os.path.exists("/work"))',
      '    return seen',
    ].join('\n');
    process.env.SCREENLINE_PROBE_SECRET = 'must-not-leak';
    const r = await verifier.verify({ code: probe, problem });
    delete process.env.SCREENLINE_PROBE_SECRET;
    expect(r.tests[0]!.output).toBe('[false, false, false]');
  }, 60_000);
});

describe('children start from a Pyodide memory snapshot', () => {
  const problem = bank.get('two-sum')!;

  it('runs from the snapshot, and nothing one submission leaves behind reaches the next', async () => {
    const plant = 'import builtins, sys\nbuiltins.LEFT_BEHIND = 1\nsys.modules["planted"] = 1\ndef two_sum(nums, target):\n    return [0, 1]\n';
    const look = 'import builtins, sys\ndef two_sum(nums, target):\n    return [hasattr(builtins, "LEFT_BEHIND"), "planted" in sys.modules]\n';
    const first = await verifier.verify({ code: plant, problem });
    const second = await verifier.verify({ code: look, problem });
    expect(first.fromSnapshot).toBe(true);
    expect(second.fromSnapshot).toBe(true);
    expect(second.tests[0]!.output).toBe('[false, false]');
  }, 60_000);

  it('a damaged snapshot is replaced: the child loads in full, the next ones start from a new snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verifier-snap-test-'));
    const v = new Verifier({ timeoutMs: 3000, concurrency: 1, warm: 0, niceness: 0, snapshotDir: dir });
    try {
      // The file the verifier would use, filled with junk (as after a crash mid-copy or a foreign file).
      expect(await v.snapshotReady()).toBe(true);
      const [file] = (await readdir(dir)).filter((f) => f.endsWith('.bin'));
      await writeFile(join(dir, file!), Buffer.alloc(2_000_000, 7));
      const damaged = await v.verify({ code: problem.reference, problem });
      expect(damaged).toMatchObject({ verdict: 'passed', fromSnapshot: false, cold: true });
      const next = await v.verify({ code: problem.reference, problem });
      expect(next).toMatchObject({ verdict: 'passed', fromSnapshot: true });
      expect((await stat(join(dir, file!))).size).toBeGreaterThan(2_000_000);
    } finally {
      await v.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('can be turned off: children then load Pyodide in full', async () => {
    const v = new Verifier({ timeoutMs: 3000, concurrency: 1, warm: 0, niceness: 0, snapshot: false });
    try {
      expect(v.describe()).toContain('loading Pyodide in full');
      expect(await v.verify({ code: problem.reference, problem })).toMatchObject({ verdict: 'passed', fromSnapshot: false });
    } finally {
      await v.close();
    }
  }, 60_000);
});
