/**
 * The problem bank: versioned YAML files in prompts/problems/ (statement, starter code, visible and hidden tests,
 * reference solution, tags, levels). Loaded once and validated; `pick` chooses by family and level, deterministic
 * for a given interview so a reload or a second server shows the same problem.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Compare } from './compare.js';
import { LEVELS, type Level, type ProblemSummary, type ProblemTest } from './problem-types.js';

export type { Compare } from './compare.js';
export { outputMatches } from './compare.js';
export { LEVELS, type Level, type ProblemSummary, type ProblemTest } from './problem-types.js';

export interface Problem {
  id: string;
  version: number;
  title: string;
  /** Role families this problem suits (backend, data, frontend, infra, general). */
  families: string[];
  levels: Level[];
  tags: string[];
  /** Markdown shown above the editor. */
  statement: string;
  /** Name of the function the tests call. */
  entry: string;
  starter: string;
  reference: string;
  compare: Compare;
  visible: ProblemTest[];
  hidden: ProblemTest[];
}

export function summarize(p: Problem): ProblemSummary {
  return {
    id: p.id,
    version: p.version,
    title: p.title,
    families: p.families,
    levels: p.levels,
    tags: p.tags,
    statement: p.statement,
    entry: p.entry,
    starter: p.starter,
    compare: p.compare,
    visibleTests: p.visible,
    hiddenTestCount: p.hidden.length,
  };
}

function problemsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/workspace → <package>/prompts/problems (also from dist/workspace).
  return resolve(here, '..', '..', 'prompts', 'problems');
}

function fail(file: string, message: string): never {
  throw new Error(`problem bank: ${file}: ${message}`);
}

function parseTests(file: string, raw: unknown, what: string): ProblemTest[] {
  if (!Array.isArray(raw) || raw.length === 0) fail(file, `${what} must be a non-empty list`);
  return raw.map((t: unknown, i) => {
    const test = t as Partial<ProblemTest>;
    if (!test || typeof test.name !== 'string' || !Array.isArray(test.args) || !('expected' in test)) {
      fail(file, `${what}[${i}] needs name, args (a list) and expected`);
    }
    return { name: test.name, args: test.args, expected: test.expected };
  });
}

export function parseProblem(file: string, text: string): Problem {
  const raw = parse(text) as Record<string, unknown>;
  const need = (k: string) => {
    const v = raw?.[k];
    if (typeof v !== 'string' || v.trim() === '') fail(file, `${k} must be a non-empty string`);
    return v;
  };
  const list = (k: string) => {
    const v = raw?.[k];
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string')) fail(file, `${k} must be a list of strings`);
    return v as string[];
  };
  const id = need('id');
  if (!/^[a-z0-9][a-z0-9-]{1,60}$/.test(id)) fail(file, 'id must be lower-case kebab-case');
  const version = raw.version;
  if (!Number.isInteger(version) || (version as number) < 1) fail(file, 'version must be a positive integer');
  const levels = list('levels');
  for (const l of levels) if (!(LEVELS as readonly string[]).includes(l)) fail(file, `unknown level ${l}`);
  const compare = (raw.compare ?? 'exact') as Compare;
  if (!['exact', 'unordered', 'float'].includes(compare)) fail(file, 'compare must be exact, unordered or float');
  const entry = need('entry');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry)) fail(file, 'entry must be a Python identifier');
  return {
    id,
    version: version as number,
    title: need('title'),
    families: list('families'),
    levels: levels as Level[],
    tags: list('tags'),
    statement: need('statement').trim(),
    entry,
    starter: need('starter'),
    reference: need('reference'),
    compare,
    visible: parseTests(file, raw.visible, 'visible'),
    hidden: parseTests(file, raw.hidden, 'hidden'),
  };
}

export class ProblemBank {
  private readonly byId = new Map<string, Problem>();

  constructor(readonly problems: Problem[]) {
    for (const p of problems) {
      if (this.byId.has(p.id)) throw new Error(`problem bank: duplicate id ${p.id}`);
      this.byId.set(p.id, p);
    }
    if (problems.length === 0) throw new Error('problem bank: no problems');
  }

  static load(dir = problemsDir()): ProblemBank {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
    return new ProblemBank(files.map((f) => parseProblem(f, readFileSync(join(dir, f), 'utf8'))));
  }

  get(id: string): Problem | undefined {
    return this.byId.get(id);
  }

  /**
   * A problem for this family and level: exact matches first (family and level), then level only, then any.
   * `seed` (the interview id) makes the choice stable for one interview and varied across interviews.
   */
  pick(input: { family?: string; level?: string; seed?: string }): Problem {
    const level = normalizeLevel(input.level);
    const family = input.family?.toLowerCase().trim();
    const tiers = [
      this.problems.filter((p) => (!level || p.levels.includes(level)) && (!family || p.families.includes(family))),
      this.problems.filter((p) => !level || p.levels.includes(level)),
      this.problems,
    ];
    const pool = tiers.find((t) => t.length > 0)!;
    const h = createHash('sha256').update(input.seed ?? '').digest().readUInt32BE(0);
    return pool[h % pool.length]!;
  }
}

/** "Senior Backend Engineer", "L5", "staff" → a bank level. */
export function normalizeLevel(level: string | undefined): Level | undefined {
  if (!level) return undefined;
  const l = level.toLowerCase();
  if (/junior|entry|graduate|intern|\bjr\b|\bl[1-3]\b/.test(l)) return 'junior';
  if (/senior|staff|principal|lead|\bsr\b|\bl[5-9]\b/.test(l)) return 'senior';
  if (/mid|intermediate|\bl4\b/.test(l)) return 'mid';
  return undefined;
}

/** A role title → a problem family. */
export function familyFor(title: string | undefined): string | undefined {
  if (!title) return undefined;
  const t = title.toLowerCase();
  if (/data|analytics|ml|machine learning/.test(t)) return 'data';
  if (/front|ui|web/.test(t)) return 'frontend';
  if (/infra|devops|sre|platform|reliability/.test(t)) return 'infra';
  if (/back|api|server|software|engineer|developer/.test(t)) return 'backend';
  return undefined;
}
