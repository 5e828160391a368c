/**
 * The grounding summary, prepared at ingest: the resume's top skills and claimed projects (with their metrics),
 * the role's must-haves and nice-to-haves, and the gaps between the two. It feeds the interview plan: the
 * plan-driven interviewer names a project from it and favours the must-haves.
 */
import type { GroundingSummary } from './types.js';

export interface SummaryChunk {
  citationId: string;
  section: string | null;
  kind: string;
  heading: string | null;
  text: string;
  flagged: boolean;
}

export interface ResumeExtract {
  skills: string[];
  projects: GroundingSummary['projects'];
}
export interface RoleExtract {
  mustHaves: GroundingSummary['mustHaves'];
  niceToHaves: GroundingSummary['niceToHaves'];
}

const METRIC_RE =
  /(?:[$€£]\s?\d[\d,.]*\s?[kmb]?\b|\b\d[\d,.]*\s?(?:%|x\b|×|ms\b|s\b|seconds|minutes|hours|days|weeks|k\b|m\b|million|billion|users|customers|requests|rps|qps|tps|engineers|people|services|nodes|tb|gb|pb)|\bp9\d\b)/gi;
const ACTION_RE =
  /^(found and fixed|fixed|diagnosed|led|built|designed|migrated|launched|created|developed|implemented|architected|owned|drove|rewrote|shipped|scaled|introduced|reduced|cut|improved|automated|delivered|founded|managed|ran|wrote|moved|replaced|optimi[sz]ed|redesigned|established)\b\s*/i;

export function metricsOf(text: string): string[] {
  return [...new Set((text.match(METRIC_RE) ?? []).map((m) => m.trim()))].slice(0, 5);
}

/** "Led the migration of billing to Kafka, cutting p99 by 40%" → "the migration of billing to Kafka". */
export function projectTitle(claim: string): string {
  const first = claim.split(/[,;:(]|\s[–—-]\s|\.\s/)[0].trim();
  const title = first.replace(ACTION_RE, '').replace(/\.$/, '').trim();
  return (title || first).slice(0, 90);
}

function splitSkills(text: string): string[] {
  const body = text.replace(/^[\p{L} ]{2,30}:\s*/u, '');
  return body
    .split(/[,;|•·/]|\s[–—-]\s|\band\b/)
    .map((s) => s.replace(/\(.*?\)/g, '').trim())
    .filter((s) => s.length >= 1 && s.length <= 40 && /\p{L}/u.test(s));
}

export function resumeExtract(chunks: SummaryChunk[], fullText: string): ResumeExtract {
  const usable = chunks.filter((c) => !c.flagged);
  const skillCount = new Map<string, { name: string; n: number; order: number }>();
  let order = 0;
  for (const c of usable.filter((c) => c.section === 'skills')) {
    for (const s of splitSkills(c.text)) {
      const key = s.toLowerCase();
      if (!skillCount.has(key)) skillCount.set(key, { name: s, n: 0, order: order++ });
    }
  }
  const lower = fullText.toLowerCase();
  for (const v of skillCount.values()) {
    const esc = v.name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    v.n = (lower.match(new RegExp(`(^|[^\\p{L}\\p{N}])${esc}(?=$|[^\\p{L}\\p{N}])`, 'gu')) ?? []).length;
  }
  const skills = [...skillCount.values()].sort((a, b) => b.n - a.n || a.order - b.order).slice(0, 12).map((v) => v.name);

  const projects: GroundingSummary['projects'] = [];
  for (const c of usable) {
    if (c.kind === 'role' || (c.section !== 'experience' && c.section !== 'projects')) continue;
    const metrics = metricsOf(c.text);
    const acts = ACTION_RE.test(c.text);
    if (!metrics.length && !acts) continue;
    projects.push({ title: projectTitle(c.text), claim: c.text.slice(0, 300), metrics, citationId: c.citationId });
  }
  // Claims with metrics first: they are the ones worth asking about.
  projects.sort((a, b) => (b.metrics.length > 0 ? 1 : 0) - (a.metrics.length > 0 ? 1 : 0));
  return { skills, projects: projects.slice(0, 8) };
}

export function roleExtract(chunks: SummaryChunk[]): RoleExtract {
  const usable = chunks.filter((c) => !c.flagged);
  let must = usable.filter((c) => c.kind === 'must_have');
  if (must.length === 0) must = usable.filter((c) => c.kind === 'item' && c.section !== 'benefits' && c.section !== 'about');
  return {
    mustHaves: must.slice(0, 12).map((c) => ({ text: c.text, citationId: c.citationId })),
    niceToHaves: usable
      .filter((c) => c.kind === 'nice_to_have')
      .slice(0, 12)
      .map((c) => ({ text: c.text, citationId: c.citationId })),
  };
}

const STOP = new Set(
  'a an and or the of to in on for with at by from as is are be years year experience strong solid good deep working knowledge proven ability understanding familiarity hands-on skills skill plus using use you your we our track record least more than production environments environment systems system building build'.split(' '),
);

/** Key terms of a requirement: words that carry meaning (tech names, domains). */
export function keyTerms(text: string): string[] {
  return [...new Set((text.toLowerCase().match(/[\p{L}\p{N}+#.]+/gu) ?? []).map((w) => w.replace(/\.$/, '')).filter((w) => w.length > 1 && !STOP.has(w) && !/^\d+\+?$/.test(w)))];
}

export function gapsBetween(resumeText: string, mustHaves: RoleExtract['mustHaves']): string[] {
  const lower = resumeText.toLowerCase();
  const gaps: string[] = [];
  for (const m of mustHaves) {
    const terms = keyTerms(m.text);
    if (terms.length === 0) continue;
    // A crude stem (the first five letters) so "designing" meets "designed".
    const hit = terms.filter((t) => lower.includes(t.length > 5 ? t.slice(0, 5) : t)).length;
    if (hit / terms.length < 0.34) gaps.push(m.text);
  }
  return gaps;
}

export function combineSummary(resume: { extract: ResumeExtract; text: string } | null, role: RoleExtract | null): GroundingSummary | null {
  if (!resume && !role) return null;
  const mustHaves = role?.mustHaves ?? [];
  return {
    skills: resume?.extract.skills ?? [],
    projects: resume?.extract.projects ?? [],
    mustHaves,
    niceToHaves: role?.niceToHaves ?? [],
    gaps: resume ? gapsBetween(resume.text, mustHaves) : [],
  };
}
