/**
 * Parser for the question banks in prompts/questions/*.md (format: prompts/questions/README.md). Plain text on
 * purpose: hiring teams edit the questions, not the code.
 */

export type Level = 'junior' | 'mid' | 'senior' | 'staff';
export const LEVELS: readonly Level[] = ['junior', 'mid', 'senior', 'staff'];

export type Surface = 'ide' | 'board';

export interface BankQuestion {
  id: string;
  /** Lower-case tags: role families ('backend', 'frontend', …) and technologies ('postgresql', …). */
  tags: string[];
  levels: Level[];
  surface?: Surface;
  /** Problem statement shown on the surface. */
  problem?: string;
  /** The question as spoken. */
  text: string;
  followUps: string[];
}

export interface QuestionBank {
  version: string;
  questions: BankQuestion[];
}

/** Reads `version: N` from the first non-empty line. */
export function readVersion(text: string, source: string): { version: string; body: string } {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  const match = first >= 0 ? /^version:\s*(\S+)\s*$/i.exec((lines[first] as string).trim()) : null;
  if (!match) throw new Error(`${source}: the first line must be "version: N"`);
  return { version: match[1] as string, body: lines.slice(first + 1).join('\n') };
}

export function parseQuestionBank(text: string, source: string): QuestionBank {
  const { version, body } = readVersion(text, source);
  const questions: BankQuestion[] = [];
  let current: BankQuestion | undefined;
  const finish = () => {
    if (!current) return;
    if (!current.text) throw new Error(`${source}: question ${current.id} has no "Q:" line`);
    questions.push(current);
    current = undefined;
  };
  for (const [i, raw] of body.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('<!--')) continue;
    const heading = /^##\s+(\S+)\s*$/.exec(line);
    if (heading) {
      finish();
      const id = heading[1] as string;
      if (questions.some((q) => q.id === id)) throw new Error(`${source}: duplicate question id ${id}`);
      current = { id, tags: [], levels: [...LEVELS], text: '', followUps: [] };
      continue;
    }
    if (!current) continue;
    const field = /^([A-Za-z]+):\s*(.*)$/.exec(line);
    if (!field) throw new Error(`${source}:${i + 2}: expected "key: value" inside question ${current.id}`);
    const key = (field[1] as string).toLowerCase();
    const value = (field[2] as string).trim();
    switch (key) {
      case 'tags':
        current.tags = splitList(value);
        break;
      case 'levels': {
        const levels = splitList(value);
        const bad = levels.filter((l) => !(LEVELS as readonly string[]).includes(l));
        if (bad.length) throw new Error(`${source}: question ${current.id} has unknown levels ${bad.join(', ')}`);
        current.levels = levels as Level[];
        break;
      }
      case 'surface':
        if (value !== 'ide' && value !== 'board') throw new Error(`${source}: question ${current.id}: surface must be ide or board`);
        current.surface = value;
        break;
      case 'p':
        current.problem = value;
        break;
      case 'q':
        current.text = value;
        break;
      case 'f':
        if (value) current.followUps.push(value);
        break;
      default:
        throw new Error(`${source}: question ${current.id}: unknown field ${key}`);
    }
  }
  finish();
  return { version, questions };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}
