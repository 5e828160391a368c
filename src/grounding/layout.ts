/**
 * Reading order from pdf.js text positions. Content streams hold painting order, not reading order, so items are
 * grouped into lines by baseline, and a page with a vertical whitespace gutter (two columns) is read column by
 * column: full-width lines above the columns first, then the left column, then the right, then what follows.
 */

export interface TextItem {
  str: string;
  /** Left edge, baseline (PDF user space, origin bottom-left). */
  x: number;
  y: number;
  width: number;
  /** Font size. */
  height: number;
}

interface Line {
  items: TextItem[];
  y: number;
  x0: number;
  x1: number;
  height: number;
}

function groupLines(items: TextItem[]): Line[] {
  const sorted = items.filter((i) => i.str.trim() !== '').sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Line[] = [];
  for (const it of sorted) {
    const tol = Math.max(1, Math.min(it.height, 12) * 0.45);
    // Same baseline and not far apart horizontally (a different column shares baselines too).
    const line = lines.find((l) => Math.abs(l.y - it.y) <= tol);
    if (line) {
      line.items.push(it);
      line.x0 = Math.min(line.x0, it.x);
      line.x1 = Math.max(line.x1, it.x + it.width);
      line.height = Math.max(line.height, it.height);
    } else {
      lines.push({ items: [it], y: it.y, x0: it.x, x1: it.x + it.width, height: it.height });
    }
  }
  return lines;
}

function lineText(items: TextItem[]): string {
  const sorted = [...items].sort((a, b) => a.x - b.x);
  let out = '';
  let end = -Infinity;
  for (const it of sorted) {
    const gap = it.x - end;
    if (out && gap > Math.max(0.8, it.height * 0.12) && !out.endsWith(' ') && !it.str.startsWith(' ')) out += ' ';
    out += it.str;
    end = it.x + it.width;
  }
  return out;
}

/** A gutter: an x that no item crosses, with enough text on both sides. Null when the page is one column. */
export function findGutter(items: TextItem[], pageWidth: number): number | null {
  const real = items.filter((i) => i.str.trim() !== '');
  if (real.length < 6) return null;
  let best: { x: number; score: number } | null = null;
  for (let x = pageWidth * 0.3; x <= pageWidth * 0.7; x += 2) {
    let crossing = 0;
    let left = 0;
    let right = 0;
    for (const it of real) {
      if (it.x < x - 1 && it.x + it.width > x + 1) crossing++;
      else if (it.x + it.width <= x + 1) left++;
      else right++;
    }
    // Full-width headers may cross; columns must not.
    if (crossing > real.length * 0.15) continue;
    if (left < real.length * 0.2 || right < real.length * 0.2) continue;
    const score = -crossing * 10 + Math.min(left, right);
    if (!best || score > best.score) best = { x, score };
  }
  if (!best) return null;
  // Both columns must hold several lines side by side, else it is a table row or a single aligned block.
  const lines = groupLines(real);
  const split = lines.filter((l) => l.items.some((i) => i.x + i.width <= best.x + 1) && l.items.some((i) => i.x >= best.x - 1));
  return split.length >= 3 ? best.x : null;
}

/** The page's lines in reading order. */
export function readingOrder(items: TextItem[], pageWidth: number): string[] {
  const gutter = findGutter(items, pageWidth);
  const lines = groupLines(items);
  if (gutter === null) return lines.map((l) => lineText(l.items));
  // Bands: runs of lines that do not cross the gutter are read left column first, then right; a line crossing
  // the gutter (a full-width header) is read where it stands.
  const out: string[] = [];
  let band: Line[] = [];
  const flush = () => {
    const left = band.flatMap((l) => l.items.filter((i) => i.x + i.width <= gutter + 1));
    const right = band.flatMap((l) => l.items.filter((i) => i.x + i.width > gutter + 1));
    out.push(...groupLines(left).map((l) => lineText(l.items)), ...groupLines(right).map((l) => lineText(l.items)));
    band = [];
  };
  for (const line of lines) {
    if (line.items.some((it) => it.x < gutter - 1 && it.x + it.width > gutter + 1)) {
      flush();
      out.push(lineText(line.items));
    } else band.push(line);
  }
  flush();
  return out;
}
