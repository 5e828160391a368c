/**
 * Text normalisation for extracted documents: invisible characters removed and counted, ligatures expanded,
 * bullets unified, words hyphenated across line breaks joined, whitespace collapsed. Works on lines so the
 * structure (headings, bullets) survives for the chunker.
 */

export interface NormalizeStats {
  invisibleRemoved: number;
  ligaturesExpanded: number;
  dehyphenated: number;
  bulletsNormalized: number;
  linesJoined: number;
}

export const emptyStats = (): NormalizeStats => ({ invisibleRemoved: 0, ligaturesExpanded: 0, dehyphenated: 0, bulletsNormalized: 0, linesJoined: 0 });

/** Zero-width, bidi controls, word joiners, BOM, soft hyphen, Mongolian vowel separator, tag characters. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/gu;
// C0/C1 controls other than tab/newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const LIGATURES: Record<string, string> = {
  '\uFB00': 'ff',
  '\uFB01': 'fi',
  '\uFB02': 'fl',
  '\uFB03': 'ffi',
  '\uFB04': 'ffl',
  '\uFB05': 'st',
  '\uFB06': 'st',
  '\u0132': 'IJ',
  '\u0133': 'ij',
  '\u0152': 'OE',
  '\u0153': 'oe',
};
const LIGATURE_RE = /[\uFB00-\uFB06\u0132\u0133]/g;
/** Bullet glyphs, incl. the private-use Symbol/Wingdings bullets Word exports. */
const BULLET_RE = /^\s*(?:[•◦▪▫●○■□‣⁃∙·►▸➢➤✓✔\u2013\u2014\uF0B7\uF0A7\uF076\uF0D8*]|-(?=\s))\s*/u;

export interface NormLine {
  text: string;
  bullet: boolean;
  /** 1-based page, null for formats without pages. */
  page: number | null;
}

export function cleanChars(text: string, stats: NormalizeStats): string {
  let out = text.replace(INVISIBLE, () => {
    stats.invisibleRemoved++;
    return '';
  });
  out = out.replace(CONTROL, () => {
    stats.invisibleRemoved++;
    return '';
  });
  out = out.replace(LIGATURE_RE, (c) => {
    stats.ligaturesExpanded++;
    return LIGATURES[c] ?? c;
  });
  return out.replace(/[\u00A0\u2000-\u200A\u202F\u205F\u3000\t]/g, ' ').replace(/ {2,}/g, ' ');
}

/** Raw lines (per page) → normalised lines: bullets marked, hyphenation joined, empties dropped. */
export function normalizeLines(raw: { text: string; page: number | null }[], stats: NormalizeStats): NormLine[] {
  const out: NormLine[] = [];
  for (const r of raw) {
    let text = cleanChars(r.text, stats).trim();
    if (!text) continue;
    let bullet = false;
    const m = BULLET_RE.exec(text);
    if (m && m[0].length < text.length) {
      bullet = true;
      stats.bulletsNormalized++;
      text = text.slice(m[0].length).trim();
    }
    const prev = out.at(-1);
    // "distri-" + "buted" → "distributed": a lower-case letter, a hyphen at the line end, a lower-case start.
    if (prev && !bullet && prev.page === r.page && /\p{Ll}-$/u.test(prev.text) && /^\p{Ll}/u.test(text)) {
      prev.text = prev.text.slice(0, -1) + text;
      stats.dehyphenated++;
      continue;
    }
    // A wrapped bullet or list line continues on the next line: "…cutting invoice latency" + "from 4 hours…".
    if (prev && !bullet && prev.page === r.page && continues(prev, text)) {
      prev.text = `${prev.text} ${text}`;
      stats.linesJoined++;
      continue;
    }
    out.push({ text, bullet, page: r.page });
  }
  return out;
}

const CONNECTOR_END = /(?:[,&/+–-]|\b(?:and|or|of|the|to|in|with|for|a|an|by|on|from|at))$/i;

function continues(prev: NormLine, next: string): boolean {
  if (CONNECTOR_END.test(prev.text)) return true;
  // A bullet whose sentence has not ended, followed by a line that does not start a new entry.
  return prev.bullet && !/[.!?:;]$/.test(prev.text) && /^[\p{Ll}\p{N}(]/u.test(next);
}
