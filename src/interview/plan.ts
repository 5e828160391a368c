/**
 * The interview plan: which stages run, which questions each asks and how deep to follow up, chosen from the
 * question banks by role title, level, job description and focus. Deterministic: the same inputs (and the same
 * prompt files) always give the same plan, so an interview can be replayed and audited.
 */
import { matchKeyterms, roleFamily, termTag } from './keyterms.js';
import type { RoleFamily } from './keyterms.js';
import { defaultPromptLibrary } from './prompt-library.js';
import type { PromptLibrary } from './prompt-library.js';
import type { BankQuestion, Level, Surface } from './question-bank.js';
import { DEFAULT_STAGE_BUDGETS_MS } from './stages.js';
import type { StageName, StageSpec } from './stages.js';

export interface PlanInput {
  roleTitle: string;
  level?: string;
  description?: string;
  /** What the hiring team wants emphasised, e.g. "system design" or ["coding", "PostgreSQL"]. */
  focus?: string | string[];
  /** What the resume claims and the role requires (from grounding at ingest), with citation ids. */
  grounding?: GroundingBrief;
}

/**
 * The slice of the grounding summary the plan uses. Claims and requirements are untrusted document text: they are
 * quoted into a question as data, never followed as instructions.
 */
export interface GroundingBrief {
  projects: { title: string; claim: string; citationId: string }[];
  mustHaves: { text: string; citationId: string }[];
}

export interface PlannedQuestion {
  id: string;
  text: string;
  /** Already cut to the plan's depth for this stage. */
  followUps: string[];
  surface?: Surface;
  problem?: string;
  /** The resume or job-description passages this question was asked because of. */
  citationIds?: string[];
}

export interface PlannedStage extends StageSpec {
  questions: PlannedQuestion[];
}

export interface InterviewPlan {
  roleTitle: string;
  level: Level;
  family: RoleFamily;
  keyterms: string[];
  stages: PlannedStage[];
  promptVersion: string;
}

export interface PlanOptions {
  library?: PromptLibrary;
  budgetsMs?: Partial<Record<StageName, number>>;
}

interface Wanted {
  family: ReadonlySet<string>;
  specific: ReadonlySet<string>;
  /** Technologies the job description lists as must-haves: they outweigh everything else. */
  mustHave: ReadonlySet<string>;
}

interface StageShape {
  count: number;
  followUps: number;
}

/** Questions and follow-up depth per stage and level; a missing stage is left out of the plan. */
const SHAPES: Record<Level, Partial<Record<StageName, StageShape>>> = {
  junior: {
    introduction: { count: 1, followUps: 0 },
    experience: { count: 1, followUps: 1 },
    technical: { count: 2, followUps: 1 },
    candidate_questions: { count: 1, followUps: 0 },
  },
  mid: {
    introduction: { count: 1, followUps: 0 },
    experience: { count: 1, followUps: 2 },
    technical: { count: 2, followUps: 2 },
    system_design: { count: 1, followUps: 2 },
    candidate_questions: { count: 1, followUps: 0 },
  },
  senior: {
    introduction: { count: 1, followUps: 0 },
    experience: { count: 2, followUps: 2 },
    technical: { count: 2, followUps: 2 },
    system_design: { count: 1, followUps: 3 },
    candidate_questions: { count: 1, followUps: 0 },
  },
  staff: {
    introduction: { count: 1, followUps: 0 },
    experience: { count: 2, followUps: 3 },
    technical: { count: 1, followUps: 3 },
    system_design: { count: 1, followUps: 3 },
    candidate_questions: { count: 1, followUps: 0 },
  },
};

/** Stages a transition may skip (the others must be visited unless the interview closes early). */
const OPTIONAL: ReadonlySet<StageName> = new Set(['experience', 'candidate_questions']);

export function normalizeLevel(level: string | undefined, title = ''): Level {
  const text = `${level ?? ''} ${level ? '' : title}`.toLowerCase();
  if (/\b(staff|principal|distinguished|architect|lead)\b/.test(text)) return 'staff';
  if (/\b(senior|sr\.?|l5|e5|iii)\b/.test(text)) return 'senior';
  if (/\b(intern|junior|jr\.?|entry|graduate|new grad|associate|l3|e3)\b/.test(text)) return 'junior';
  return 'mid';
}

export function buildPlan(input: PlanInput, opts: PlanOptions = {}): InterviewPlan {
  const library = opts.library ?? defaultPromptLibrary();
  const budgets = { ...DEFAULT_STAGE_BUDGETS_MS, ...opts.budgetsMs };
  const focus = (Array.isArray(input.focus) ? input.focus.join(', ') : (input.focus ?? '')).toLowerCase();
  const level = normalizeLevel(input.level, input.roleTitle);
  const mustHaves = input.grounding?.mustHaves ?? [];
  const keyterms = matchKeyterms([input.roleTitle, input.description ?? '', focus, ...mustHaves.map((m) => m.text)].join('\n'));
  const family = roleFamily(input.roleTitle, keyterms);
  const shapes = applyFocus(SHAPES[level], focus);
  const mustHaveTags = new Set(matchKeyterms(mustHaves.map((m) => m.text).join('\n')).map(termTag));
  const wanted: Wanted = { family: new Set(familyTags(family)), specific: new Set([...keyterms.map(termTag), ...focusWords(focus)]), mustHave: mustHaveTags };
  const seed = `${input.roleTitle.trim().toLowerCase()}|${level}`;

  const stages: PlannedStage[] = [{ name: 'greeting', budgetMs: budgets.greeting, optional: false, questions: [] }];
  for (const name of ['introduction', 'experience', 'technical', 'system_design', 'candidate_questions'] as const) {
    const shape = shapes[name];
    const bank = library.banks[name];
    if (!shape || !bank || shape.count <= 0) continue;
    const questions = pickQuestions(bank.questions, level, wanted, shape, seed);
    if (name === 'experience' && input.grounding) groundExperience(questions, input.grounding, shape.count);
    if (name === 'technical' || name === 'system_design') citeMustHaves(questions, bank.questions, mustHaves);
    if (questions.length === 0) continue;
    stages.push({ name, budgetMs: budgets[name], optional: OPTIONAL.has(name), questions });
  }
  stages.push({ name: 'close', budgetMs: budgets.close, optional: false, questions: [] });

  return { roleTitle: input.roleTitle, level, family, keyterms, stages, promptVersion: library.version };
}

/** The experience stage opens on the candidate's own claim: "Your resume mentions …. What was your part in it?" */
function groundExperience(questions: PlannedQuestion[], brief: GroundingBrief, count: number): void {
  const project = brief.projects.find((p) => spokenPhrase(p.title || p.claim).length > 0);
  if (!project) return;
  questions.unshift({
    id: `grounded-project-${project.citationId}`,
    text: `Your resume mentions ${spokenPhrase(project.title || project.claim)}. What was your part in it, and what was the hardest decision you made?`,
    followUps: ['How did you know it worked?', 'What would you do differently if you did it again?'],
    citationIds: [project.citationId],
  });
  if (questions.length > Math.max(1, count)) questions.splice(Math.max(1, count));
}

/** A document phrase made speakable: one line, no trailing punctuation, at most 14 words, lower-case start. */
function spokenPhrase(text: string): string {
  const words = text.replace(/\s+/g, ' ').trim().replace(/[.;:!?]+$/, '').split(' ').filter(Boolean);
  const phrase = (words.length > 14 ? words.slice(0, 14) : words).join(' ');
  // "The migration …" → "the migration …"; "Kafka …" or "AWS …" keep their capitals.
  return /^[A-Z][a-z]+\b/.test(phrase) && /^(The|A|An|Our|Their|Its)\b/.test(phrase) ? phrase[0]!.toLowerCase() + phrase.slice(1) : phrase;
}

/** Technical questions that test one of the role's must-haves carry that requirement's citation. */
function citeMustHaves(questions: PlannedQuestion[], bank: readonly BankQuestion[], mustHaves: GroundingBrief['mustHaves']): void {
  if (mustHaves.length === 0) return;
  const byTerm = mustHaves.map((m) => ({ m, tags: new Set(matchKeyterms(m.text).map(termTag)) }));
  for (const q of questions) {
    const tags = bank.find((b) => b.id === q.id)?.tags ?? [];
    const cited = byTerm.filter(({ tags: t }) => tags.some((tag) => t.has(tag))).map(({ m }) => m.citationId);
    if (cited.length) q.citationIds = [...new Set(cited)];
  }
}

export function planStage(plan: InterviewPlan, name: StageName): PlannedStage | undefined {
  return plan.stages.find((s) => s.name === name);
}

function applyFocus(base: Partial<Record<StageName, StageShape>>, focus: string): Partial<Record<StageName, StageShape>> {
  const shapes = { ...base };
  if (/\b(system design|design|architecture)\b/.test(focus)) {
    shapes.system_design = { count: 1, followUps: Math.max(2, shapes.system_design?.followUps ?? 0) };
  }
  if (/\b(coding|algorithms?|data structures)\b/.test(focus) && shapes.technical) {
    shapes.technical = { ...shapes.technical, count: shapes.technical.count + 1 };
  }
  if (/\b(behaviou?ral|experience|leadership)\b/.test(focus) && shapes.experience) {
    shapes.experience = { ...shapes.experience, count: shapes.experience.count + 1 };
  }
  return shapes;
}

function familyTags(family: RoleFamily): string[] {
  if (family === 'fullstack') return ['backend', 'frontend'];
  if (family === 'general') return [];
  return [family];
}

function focusWords(focus: string): string[] {
  return focus.split(/[^a-z0-9.+#/-]+/).filter((w) => w.length > 2);
}

function pickQuestions(
  bank: readonly BankQuestion[],
  level: Level,
  wanted: Wanted,
  shape: StageShape,
  seed: string,
): PlannedQuestion[] {
  const scored = bank
    .filter((q) => q.levels.includes(level))
    .map((q) => ({ q, score: score(q, wanted), tie: fnv1a(`${seed}|${q.id}`) }))
    // A question tagged only for other families (no 'general', no match) does not fit this role.
    .filter(({ q, score }) => score > 0 || q.tags.length === 0)
    .sort((a, b) => b.score - a.score || a.tie - b.tie || a.q.id.localeCompare(b.q.id));
  const picked: BankQuestion[] = [];
  const surfaces = new Set<Surface>();
  const take = (q: BankQuestion) => {
    if (q.surface) surfaces.add(q.surface);
    picked.push(q);
  };
  // With room for two or more, one slot goes to the best hands-on exercise: it is where the signal is.
  const exercise = shape.count >= 2 ? scored.find(({ q }) => q.surface) : undefined;
  if (exercise) take(exercise.q);
  for (const { q } of scored) {
    if (picked.length >= shape.count) break;
    // One exercise per surface per stage: a second coding task would eat the stage's whole budget.
    if (picked.includes(q) || (q.surface && surfaces.has(q.surface))) continue;
    take(q);
  }
  return picked.map((q) => ({
    id: q.id,
    text: q.text,
    followUps: q.followUps.slice(0, shape.followUps),
    ...(q.surface ? { surface: q.surface } : {}),
    ...(q.problem ? { problem: q.problem } : {}),
  }));
}

/** Must-haves outweigh specific technologies and focus words, which outweigh the role family, then general. */
function score(q: BankQuestion, wanted: Wanted): number {
  let s = 0;
  for (const tag of q.tags) {
    if (tag === 'general') s += 1;
    else if (wanted.mustHave.has(tag)) s += 6;
    else if (wanted.specific.has(tag)) s += 4;
    else if (wanted.family.has(tag)) s += 2;
  }
  return s;
}

/** 32-bit FNV-1a: a stable tie-break that varies with the role, so equal questions rotate between roles. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
