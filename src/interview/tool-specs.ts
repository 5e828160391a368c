/**
 * The interviewer's tools as JSON Schemas, and a small validator for exactly the schema subset they use (object,
 * string, enum, maxLength, required, additionalProperties: false), so arguments are checked against the same
 * schema the model was given.
 */
import type { ToolSpec } from '../providers/llm.js';
import { STAGE_ORDER } from './stages.js';

export type ToolName = 'next_stage' | 'end_interview' | 'open_ide' | 'open_board' | 'resume_search' | 'role_search';

const str = (description: string, maxLength: number) => ({ type: 'string', description, maxLength });
const obj = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export const TOOL_SPECS: readonly ToolSpec[] = [
  {
    name: 'next_stage',
    description:
      'Move the interview to the next stage (or to a later one with `to`) when the current stage is covered or its time is up.',
    parameters: obj(
      {
        to: { type: 'string', enum: STAGE_ORDER.filter((s) => s !== 'greeting'), description: 'Target stage; default: the next one.' },
        reason: str('Why the stage is done, in a few words.', 300),
      },
      ['reason'],
    ),
  },
  {
    name: 'end_interview',
    description: 'End the interview after your closing line has been said. The call hangs up once it has been spoken.',
    parameters: obj({ reason: str('Why the interview ends, in a few words.', 300) }, ['reason']),
  },
  {
    name: 'open_ide',
    description: "Open the coding editor in the candidate's browser with a problem statement.",
    parameters: obj({ problem: str('The problem statement shown above the editor.', 2000) }, ['problem']),
  },
  {
    name: 'open_board',
    description: "Open the system-design drawing board in the candidate's browser with a prompt.",
    parameters: obj({ prompt: str('The design prompt shown on the board.', 2000) }, ['prompt']),
  },
  {
    name: 'resume_search',
    description: "Search the candidate's resume. Returns matching passages with citations.",
    parameters: obj({ query: str('What to look for.', 300) }, ['query']),
  },
  {
    name: 'role_search',
    description: 'Search the job description and role notes. Returns matching passages with citations.',
    parameters: obj({ query: str('What to look for.', 300) }, ['query']),
  },
];

export function toolSpec(name: string): ToolSpec | undefined {
  return TOOL_SPECS.find((t) => t.name === name);
}

export type ArgsCheck = { ok: true; value: Record<string, string> } | { ok: false; error: string };

/** Parses and validates raw JSON arguments against the tool's schema. Never throws. */
export function parseToolArgs(spec: ToolSpec, raw: string): ArgsCheck {
  let value: unknown;
  try {
    value = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    return { ok: false, error: 'arguments are not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'arguments must be a JSON object' };
  }
  const schema = spec.parameters as {
    properties: Record<string, { type: string; enum?: string[]; maxLength?: number }>;
    required?: string[];
  };
  const args = value as Record<string, unknown>;
  for (const key of Object.keys(args)) {
    if (!(key in schema.properties)) return { ok: false, error: `unknown argument ${key}` };
  }
  for (const key of schema.required ?? []) {
    if (args[key] === undefined || args[key] === null) return { ok: false, error: `missing argument ${key}` };
  }
  const out: Record<string, string> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    const v = args[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return { ok: false, error: `argument ${key} must be a string` };
    if (prop.enum && !prop.enum.includes(v)) return { ok: false, error: `argument ${key} must be one of ${prop.enum.join(', ')}` };
    if (prop.maxLength !== undefined && v.length > prop.maxLength) {
      return { ok: false, error: `argument ${key} is longer than ${prop.maxLength} characters` };
    }
    if ((schema.required ?? []).includes(key) && v.trim() === '') return { ok: false, error: `argument ${key} is empty` };
    out[key] = v;
  }
  return { ok: true, value: out };
}
