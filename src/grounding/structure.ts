/**
 * Structure-aware chunking: the document's own sections (Experience, Projects, Skills, …), the roles inside
 * Experience (employer, title, dates), the requirement lists of a job description (must-have vs nice-to-have).
 * Every chunk keeps its page and its character span in the normalised text, and `text === docText.slice(span)`.
 */
import type { Extracted } from './extract.js';
import { detectInstructions } from './injection.js';
import { emptyStats, normalizeLines, type NormalizeStats, type NormLine } from './normalize.js';
import type { GroundingSource } from './types.js';

export type ChunkKind = 'section' | 'role' | 'must_have' | 'nice_to_have' | 'item' | 'paragraph' | 'hidden' | 'metadata' | 'form_field';

export interface DraftChunk {
  ordinal: number;
  section: string | null;
  kind: ChunkKind;
  heading: string | null;
  page: number | null;
  spanStart: number;
  spanEnd: number;
  text: string;
  flagged: boolean;
  flagReasons: string[];
}

export interface Structured {
  text: string;
  chunks: DraftChunk[];
  stats: NormalizeStats & { hiddenPassages: number; flaggedPassages: number };
}

const RESUME_SECTIONS: Record<string, string[]> = {
  summary: ['summary', 'profile', 'professional summary', 'about me', 'about', 'objective', 'career objective', 'personal statement'],
  experience: ['experience', 'work experience', 'professional experience', 'employment', 'employment history', 'work history', 'career history', 'relevant experience'],
  projects: ['projects', 'personal projects', 'selected projects', 'key projects', 'side projects', 'open source'],
  skills: ['skills', 'technical skills', 'core skills', 'technologies', 'tech stack', 'competencies', 'core competencies', 'tools', 'skills and tools'],
  education: ['education', 'academic background', 'education and training'],
  certifications: ['certifications', 'certificates', 'licenses', 'licenses and certifications'],
  awards: ['awards', 'honors', 'honours', 'achievements', 'awards and honors'],
  publications: ['publications', 'talks', 'publications and talks'],
  languages: ['languages'],
  interests: ['interests', 'hobbies'],
  volunteering: ['volunteering', 'volunteer experience', 'leadership'],
};
const ROLE_SECTIONS: Record<string, string[]> = {
  about: ['about the role', 'about us', 'the role', 'overview', 'about the job', 'role overview', 'about the team', 'the team', 'summary'],
  responsibilities: ['responsibilities', "what you'll do", 'what you will do', 'key responsibilities', 'the job', 'your role', 'duties'],
  must_have: ['requirements', 'must have', 'must haves', 'must-have', 'must-haves', 'required', 'qualifications', 'required qualifications', 'what you bring', "what we're looking for", 'what we are looking for', 'minimum qualifications', 'required skills', 'you have'],
  nice_to_have: ['nice to have', 'nice to haves', 'nice-to-have', 'nice-to-haves', 'preferred', 'preferred qualifications', 'bonus', 'bonus points', 'pluses', 'nice extras', 'good to have'],
  benefits: ['benefits', 'perks', 'what we offer', 'compensation'],
};

function headingKey(line: string): string {
  return line
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[:：]\s*$/, '')
    .replace(/[^\p{L}\p{N}' -]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The canonical section a line opens, or null when it is body text. */
export function sectionOf(line: NormLine, source: GroundingSource): string | null {
  if (line.bullet) return null;
  const words = line.text.split(/\s+/);
  if (words.length > 5 || line.text.length > 48 || /[.,;]$/.test(line.text)) return null;
  const key = headingKey(line.text);
  const table = source === 'resume' ? RESUME_SECTIONS : ROLE_SECTIONS;
  for (const [section, names] of Object.entries(table)) if (names.includes(key)) return section;
  return null;
}

const DATE_RE = /\b(19|20)\d{2}\b|\bpresent\b|\bcurrent\b|\bnow\b/i;
const NICE_RE = /\b(nice to have|nice-to-have|bonus|a plus|preferred|ideally)\b/i;

export function structure(
  extracted: Pick<Extracted, 'pages' | 'hidden' | 'metadata' | 'formFields'>,
  source: GroundingSource,
): Structured {
  const stats = emptyStats();
  const raw = extracted.pages.flatMap((p) => p.lines.map((text) => ({ text, page: p.page })));
  const lines = normalizeLines(raw, stats);

  // Render the normalised text and remember where each line's content sits.
  let text = '';
  const pos: { start: number; end: number }[] = [];
  lines.forEach((l, i) => {
    if (i > 0) text += lines[i - 1].page !== l.page ? '\n\n' : '\n';
    if (l.bullet) text += '- ';
    pos.push({ start: text.length, end: text.length + l.text.length });
    text += l.text;
  });

  const chunks: DraftChunk[] = [];
  const push = (from: number, to: number, section: string | null, kind: ChunkKind, heading: string | null) => {
    const spanStart = pos[from].start;
    const spanEnd = pos[to].end;
    const body = text.slice(spanStart, spanEnd);
    const reasons = detectInstructions(body);
    chunks.push({
      ordinal: chunks.length + 1,
      section,
      kind,
      heading,
      page: lines[from].page,
      spanStart,
      spanEnd,
      text: body,
      flagged: reasons.length > 0,
      flagReasons: reasons.map((r) => `instruction:${r}`),
    });
  };

  let section: string | null = source === 'resume' ? 'profile' : 'about';
  let heading: string | null = null;
  let para: number | null = null;
  const flushPara = (to: number) => {
    if (para === null) return;
    // Long paragraphs are cut on line boundaries (~600 characters).
    let from = para;
    for (let i = para; i <= to; i++) {
      if (i === to || pos[i + 1].end - pos[from].start > 600) {
        push(from, i, section, 'paragraph', heading);
        from = i + 1;
      }
    }
    para = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const opens = sectionOf(line, source);
    if (opens) {
      flushPara(i - 1);
      section = opens;
      heading = null;
      continue;
    }
    if (source === 'role' && !line.bullet && /^(requirements|nice to have|bonus|preferred)\b.{0,3}$/i.test(line.text)) continue;
    if (section === 'experience' && !line.bullet && DATE_RE.test(line.text) && line.text.length <= 120) {
      flushPara(i - 1);
      // "Senior Engineer, Acme" on one line and "2019 – 2023" on the next make one role header.
      let from = i;
      const prev = lines[i - 1];
      const prevChunk = chunks.at(-1);
      if (prev && !prev.bullet && prevChunk && prevChunk.kind === 'paragraph' && prevChunk.spanStart === pos[i - 1].start && prevChunk.spanEnd === pos[i - 1].end && !DATE_RE.test(prev.text)) {
        chunks.pop();
        from = i - 1;
      }
      heading = text.slice(pos[from].start, pos[i].end).replace(/\s*\n\s*/g, ' — ');
      push(from, i, section, 'role', heading);
      continue;
    }
    const requirementKind: ChunkKind | null =
      source === 'role' && (section === 'must_have' || section === 'nice_to_have')
        ? section === 'nice_to_have' || NICE_RE.test(line.text)
          ? 'nice_to_have'
          : 'must_have'
        : null;
    if (line.bullet || requirementKind || section === 'skills') {
      flushPara(i - 1);
      push(i, i, section, requirementKind ?? 'item', heading);
      continue;
    }
    if (para === null) para = i;
  }
  flushPara(lines.length - 1);

  // What a reader never sees (hidden text, metadata, form fields) is recorded flagged and is never retrieved.
  let hiddenPassages = 0;
  for (const h of extracted.hidden) {
    hiddenPassages++;
    const reasons = [h.reason, ...detectInstructions(h.text).map((r) => `instruction:${r}`)];
    chunks.push({ ordinal: chunks.length + 1, section: null, kind: 'hidden', heading: null, page: h.page, spanStart: 0, spanEnd: 0, text: h.text.slice(0, 2000), flagged: true, flagReasons: reasons });
  }
  for (const m of extracted.metadata) {
    const found = detectInstructions(m.text);
    if (!found.length) continue;
    chunks.push({ ordinal: chunks.length + 1, section: null, kind: 'metadata', heading: m.field, page: null, spanStart: 0, spanEnd: 0, text: m.text.slice(0, 2000), flagged: true, flagReasons: ['metadata', ...found.map((r) => `instruction:${r}`)] });
  }
  for (const f of extracted.formFields) {
    const found = detectInstructions(f.text);
    chunks.push({ ordinal: chunks.length + 1, section: null, kind: 'form_field', heading: f.name, page: f.page, spanStart: 0, spanEnd: 0, text: f.text.slice(0, 2000), flagged: true, flagReasons: ['form_field', ...found.map((r) => `instruction:${r}`)] });
  }
  const flaggedPassages = chunks.filter((c) => c.flagged).length;
  return { text, chunks, stats: { ...stats, hiddenPassages, flaggedPassages } };
}

/** Inline text (e.g. `role.description` in JSON) goes through the same path as a plain-text upload. */
export function structureText(input: string, source: GroundingSource): Structured {
  return structure({ pages: [{ page: null, lines: input.split(/\r\n|\r|\n/) }], hidden: [], metadata: [], formFields: [] }, source);
}
