/**
 * Rubrics: versioned YAML files in `rubrics/` (`<id>.v<version>.yaml`), schema-checked when loaded. A rubric has
 * weighted dimensions with 1–4 behaviourally anchored descriptors, gates (knock-outs) and decision bands. Scores
 * keep a snapshot of the rubric they were made with, so editing a file never rewrites an old score.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

const Id = Type.String({ pattern: '^[a-z][a-z0-9_-]{1,62}$' });
const Anchor = Type.String({ minLength: 5, maxLength: 400 });

export const RubricSchema = Type.Object(
  {
    id: Id,
    version: Type.Integer({ minimum: 1 }),
    title: Type.String({ minLength: 3 }),
    family: Type.String({ minLength: 2 }),
    level: Type.Union([Type.Literal('junior'), Type.Literal('mid'), Type.Literal('senior'), Type.Literal('staff')]),
    match: Type.Object({ keywords: Type.Array(Type.String({ minLength: 2 }), { minItems: 1 }) }, { additionalProperties: false }),
    dimensions: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }),
          name: Type.String({ minLength: 3 }),
          weight: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
          stages: Type.Array(Type.String({ minLength: 2 }), { minItems: 1 }),
          description: Type.String({ minLength: 5 }),
          anchors: Type.Object({ '1': Anchor, '2': Anchor, '3': Anchor, '4': Anchor }, { additionalProperties: false }),
          probe: Type.String({ minLength: 5 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 12 },
    ),
    gates: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }),
          name: Type.String({ minLength: 3 }),
          description: Type.String({ minLength: 5 }),
          stages: Type.Array(Type.String({ minLength: 2 }), { minItems: 1 }),
          /** A failed knock-out gate caps the decision at the lowest band. */
          knockout: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      { maxItems: 8 },
    ),
    bands: Type.Array(
      Type.Object(
        { id: Id, label: Type.String({ minLength: 2 }), minScore: Type.Number({ minimum: 0, maximum: 4 }) },
        { additionalProperties: false },
      ),
      { minItems: 2, maxItems: 6 },
    ),
    /** Share of the total weight that must be assessed before a band is given (else "insufficient evidence"). */
    minCoverage: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export type RubricDefinition = Static<typeof RubricSchema>;
export type Rubric = RubricDefinition & {
  /** sha256 of the file's canonical JSON: a changed file with an unchanged version is detected. */
  hash: string;
  /** `id@version`. */
  ref: string;
};
export type Dimension = Rubric['dimensions'][number];
export type Gate = Rubric['gates'][number];

export class RubricError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`rubric ${file}: ${field ? `${field} ` : ''}${message}`);
    this.name = 'RubricError';
  }
}

/** Validates one parsed rubric; throws RubricError naming the file and the first bad field. */
export function validateRubric(value: unknown, file: string): Rubric {
  if (!Value.Check(RubricSchema, value)) {
    const first = [...Value.Errors(RubricSchema, value)][0];
    const field = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '(root)';
    throw new RubricError(file, field, first?.message ?? 'does not match the rubric schema');
  }
  const r = value;
  const base = file.split('/').pop() ?? file;
  const m = /^([a-z][a-z0-9_-]*)\.v(\d+)\.ya?ml$/.exec(base);
  if (m && (m[1] !== r.id || Number(m[2]) !== r.version)) {
    throw new RubricError(file, 'id', `and version must match the file name (${m[1]} v${m[2]}), got ${r.id} v${r.version}`);
  }
  const dimIds = new Set<string>();
  r.dimensions.forEach((d, i) => {
    if (dimIds.has(d.id)) throw new RubricError(file, `dimensions.${i}.id`, `"${d.id}" is repeated`);
    dimIds.add(d.id);
  });
  const total = r.dimensions.reduce((s, d) => s + d.weight, 0);
  if (Math.abs(total - 1) > 0.001) throw new RubricError(file, 'dimensions', `weights must sum to 1, got ${total.toFixed(3)}`);
  const bandIds = new Set<string>();
  r.bands.forEach((b, i) => {
    if (bandIds.has(b.id)) throw new RubricError(file, `bands.${i}.id`, `"${b.id}" is repeated`);
    bandIds.add(b.id);
    if (i > 0 && b.minScore >= r.bands[i - 1]!.minScore) {
      throw new RubricError(file, `bands.${i}.minScore`, 'bands must be listed from the highest minScore to the lowest');
    }
  });
  if (r.bands.at(-1)!.minScore !== 0) throw new RubricError(file, `bands.${r.bands.length - 1}.minScore`, 'the last band must start at 0');
  const hash = createHash('sha256').update(JSON.stringify(r)).digest('hex');
  return { ...r, hash, ref: `${r.id}@${r.version}` };
}

export function parseRubricRef(ref: string): { id: string; version?: number } {
  const m = /^([a-z][a-z0-9_-]*)(?:@(\d+))?$/.exec(ref.trim());
  if (!m) throw new Error(`rubric reference "${ref}" must look like id or id@version (e.g. backend-senior@1)`);
  return { id: m[1]!, version: m[2] ? Number(m[2]) : undefined };
}

export class RubricRegistry {
  private readonly byId = new Map<string, Rubric[]>();

  constructor(rubrics: Rubric[]) {
    for (const r of rubrics) {
      const list = this.byId.get(r.id) ?? [];
      if (list.some((x) => x.version === r.version)) throw new RubricError(r.ref, 'version', 'is defined twice');
      list.push(r);
      list.sort((a, b) => b.version - a.version);
      this.byId.set(r.id, list);
    }
  }

  all(): Rubric[] {
    return [...this.byId.values()].flat();
  }

  /** `id` (latest version) or `id@version`; undefined when unknown. */
  get(ref: string): Rubric | undefined {
    const { id, version } = parseRubricRef(ref);
    const list = this.byId.get(id);
    return version === undefined ? list?.[0] : list?.find((r) => r.version === version);
  }

  /**
   * The rubric for a role: an explicit `rubricId` wins; otherwise the family whose keywords best match the title
   * (then the description), at the role's level (default mid; staff uses senior). Falls back to backend.
   */
  select(role: { title: string; level?: string | null; description?: string | null }, rubricId?: string | null): Rubric {
    if (rubricId) {
      const r = this.get(rubricId);
      if (!r) throw new Error(`the interview asks for rubric "${rubricId}", which is not in rubrics/`);
      return r;
    }
    const level = normalizeLevel(role.level, role.title);
    const title = ` ${role.title.toLowerCase()} `;
    const description = ` ${(role.description ?? '').toLowerCase()} `;
    let best: { family: string; score: number } = { family: 'backend', score: 0 };
    const families = new Map<string, string[]>();
    for (const r of this.all()) families.set(r.family, r.match.keywords);
    for (const [family, keywords] of families) {
      let score = 0;
      for (const k of keywords) {
        const re = new RegExp(`[^a-z]${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^a-z]`);
        if (re.test(title)) score += 10;
        if (re.test(description)) score += 1;
      }
      if (score > best.score) best = { family, score };
    }
    const pick = this.get(`${best.family}-${level}`) ?? this.all().find((r) => r.family === best.family) ?? this.all()[0];
    if (!pick) throw new Error('no rubrics are loaded');
    return pick;
  }
}

export function normalizeLevel(level: string | null | undefined, title = ''): 'junior' | 'mid' | 'senior' {
  const text = `${level ?? ''} ${title}`.toLowerCase();
  if (/\b(senior|sr\.?|staff|principal|lead)\b/.test(text)) return 'senior';
  if (/\b(junior|jr\.?|graduate|entry|intern)\b/.test(text)) return 'junior';
  return 'mid';
}

/** The package's rubrics/ folder (beside src/ or dist/). */
export function defaultRubricsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'rubrics');
}

/** Reads and validates every rubric file in `dir`; the first invalid file stops the load with a clear message. */
export function loadRubrics(dir = defaultRubricsDir()): RubricRegistry {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  } catch (err) {
    throw new Error(`cannot read the rubrics folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const rubrics = files.map((f) => {
    const path = join(dir, f);
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new RubricError(f, '', `is not valid YAML/JSON: ${(err as Error).message}`);
    }
    return validateRubric(parsed, f);
  });
  if (rubrics.length === 0) throw new Error(`no rubric files in ${dir}`);
  return new RubricRegistry(rubrics);
}

let shared: RubricRegistry | undefined;
/** The process-wide registry of the package's rubrics, loaded (and validated) once. */
export function rubrics(): RubricRegistry {
  shared ??= loadRubrics();
  return shared;
}
