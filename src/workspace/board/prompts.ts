/**
 * The design-prompt bank for the board: versioned YAML files in prompts/designs/ (title, prompt text, role families
 * and levels), validated at load. `pick` is stable for one interview (seeded by its id), like the problem bank.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { LEVELS, type Level } from '../problem-types.js';
import { normalizeLevel } from '../problems.js';

export interface DesignPrompt {
  id: string;
  version: number;
  title: string;
  families: string[];
  levels: Level[];
  prompt: string;
}

const dir = () => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'prompts', 'designs');

export function parseDesignPrompt(file: string, text: string): DesignPrompt {
  const raw = parse(text) as Record<string, unknown>;
  const fail = (m: string): never => {
    throw new Error(`design prompts: ${file}: ${m}`);
  };
  const str = (k: string) => (typeof raw?.[k] === 'string' && (raw[k] as string).trim() ? (raw[k] as string).trim() : fail(`${k} must be a non-empty string`));
  const strs = (k: string) => (Array.isArray(raw?.[k]) && (raw[k] as unknown[]).length && (raw[k] as unknown[]).every((x) => typeof x === 'string') ? (raw[k] as string[]) : fail(`${k} must be a list of strings`));
  const id = str('id');
  if (!/^[a-z0-9][a-z0-9-]{1,60}$/.test(id)) fail('id must be lower-case kebab-case');
  if (!Number.isInteger(raw.version) || (raw.version as number) < 1) fail('version must be a positive integer');
  const levels = strs('levels');
  for (const l of levels) if (!(LEVELS as readonly string[]).includes(l)) fail(`unknown level ${l}`);
  return { id, version: raw.version as number, title: str('title'), families: strs('families'), levels: levels as Level[], prompt: str('prompt') };
}

export class DesignPromptBank {
  private readonly byId = new Map<string, DesignPrompt>();

  constructor(readonly prompts: DesignPrompt[]) {
    if (prompts.length === 0) throw new Error('design prompts: none');
    for (const p of prompts) {
      if (this.byId.has(p.id)) throw new Error(`design prompts: duplicate id ${p.id}`);
      this.byId.set(p.id, p);
    }
  }

  static load(from = dir()): DesignPromptBank {
    const files = readdirSync(from).filter((f) => f.endsWith('.yaml')).sort();
    return new DesignPromptBank(files.map((f) => parseDesignPrompt(f, readFileSync(join(from, f), 'utf8'))));
  }

  get(id: string): DesignPrompt | undefined {
    return this.byId.get(id);
  }

  pick(input: { family?: string; level?: string; seed?: string }): DesignPrompt {
    const level = normalizeLevel(input.level);
    const family = input.family?.toLowerCase().trim();
    const tiers = [
      this.prompts.filter((p) => (!level || p.levels.includes(level)) && (!family || p.families.includes(family))),
      this.prompts.filter((p) => !level || p.levels.includes(level)),
      this.prompts,
    ];
    const pool = tiers.find((t) => t.length > 0)!;
    return pool[createHash('sha256').update(input.seed ?? '').digest().readUInt32BE(0) % pool.length]!;
  }
}
