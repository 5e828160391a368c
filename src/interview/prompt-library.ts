/**
 * Loads the versioned prompt files (prompts/*.md) once. The prompts directory is found from this module's own
 * location by walking up to the package root, so it works from src/ under tsx and from a compiled dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseQuestionBank, readVersion } from './question-bank.js';
import type { QuestionBank } from './question-bank.js';
import { STAGE_ORDER } from './stages.js';
import type { StageName } from './stages.js';

/** Stages that draw questions from a bank, and the bank's file name. */
export const BANK_FILES: Partial<Record<StageName, string>> = {
  introduction: 'introduction.md',
  experience: 'experience.md',
  technical: 'technical.md',
  system_design: 'system-design.md',
  candidate_questions: 'candidate-questions.md',
};

export interface PromptLibrary {
  dir: string;
  stance: string;
  /** Instructions per stage (prompts/stages.md, one `## stage` section each). */
  stageInstructions: Record<StageName, string>;
  banks: Partial<Record<StageName, QuestionBank>>;
  /** Version of every file, e.g. `{ stance: '3', stages: '2', 'questions/technical': '1' }`. */
  versions: Record<string, string>;
  /** One string for the event log, e.g. `stance@3+stages@2+questions/technical@1…`. */
  version: string;
}

export function findPromptsDir(fromUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'prompts'))) return join(dir, 'prompts');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('prompts/ directory not found above ' + fileURLToPath(fromUrl));
    dir = parent;
  }
}

export function loadPromptLibrary(dir: string = findPromptsDir()): PromptLibrary {
  const read = (rel: string) => readFileSync(join(dir, rel), 'utf8');
  const versions: Record<string, string> = {};

  const stance = readVersion(read('stance.md'), 'prompts/stance.md');
  versions.stance = stance.version;

  const stages = readVersion(read('stages.md'), 'prompts/stages.md');
  versions.stages = stages.version;
  const stageInstructions = parseSections(stages.body);

  const banks: Partial<Record<StageName, QuestionBank>> = {};
  for (const [stage, file] of Object.entries(BANK_FILES) as [StageName, string][]) {
    const bank = parseQuestionBank(read(join('questions', file)), `prompts/questions/${file}`);
    banks[stage] = bank;
    versions[`questions/${file.replace(/\.md$/, '')}`] = bank.version;
  }

  return {
    dir,
    stance: stance.body.trim(),
    stageInstructions,
    banks,
    versions,
    version: Object.entries(versions)
      .map(([k, v]) => `${k}@${v}`)
      .join('+'),
  };
}

function parseSections(body: string): Record<StageName, string> {
  const out = {} as Record<StageName, string>;
  let name: StageName | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (name) out[name] = lines.join('\n').trim();
  };
  for (const line of body.split(/\r?\n/)) {
    const heading = /^##\s+(\S+)\s*$/.exec(line.trim());
    if (heading) {
      flush();
      const candidate = heading[1] as string;
      if (!(STAGE_ORDER as readonly string[]).includes(candidate)) throw new Error(`prompts/stages.md: unknown stage ${candidate}`);
      name = candidate as StageName;
      lines = [];
    } else {
      lines.push(line);
    }
  }
  flush();
  for (const stage of STAGE_ORDER) if (!out[stage]) throw new Error(`prompts/stages.md: no section for ${stage}`);
  return out;
}

let cached: PromptLibrary | undefined;

/** The package's prompt library, read from disk on first use. */
export function defaultPromptLibrary(): PromptLibrary {
  cached ??= loadPromptLibrary();
  return cached;
}
