/**
 * Lines of text from mammoth's HTML for a Word document. mammoth's raw-text mode drops list markers and table
 * structure, so bullets would read like role headings; its HTML keeps them. The HTML mammoth writes is small and
 * regular (p, h1–h6, ul/ol/li, table/tr/td/th, strong/em/a, br, img), so a tag scan is enough: list items become
 * "• " lines, each paragraph and heading a line, a table row one line with its cells joined by " | ".
 */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

const BLOCK = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'tr', 'br', 'ul', 'ol', 'table']);

export function docxHtmlToLines(html: string): string[] {
  const lines: string[] = [];
  let line = '';
  let cells: string[] | null = null;
  let cell = '';
  const flush = () => {
    const t = line.replace(/\s+/g, ' ').trim();
    if (t) lines.push(t);
    line = '';
  };
  const tag = /<(\/?)([a-z][a-z0-9]*)\b[^>]*>/gi;
  let at = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    const text = decode(html.slice(at, m.index));
    if (cells) cell += text;
    else line += text;
    at = tag.lastIndex;
    const closing = m[1] === '/';
    const name = m[2].toLowerCase();
    if (name === 'td' || name === 'th') {
      if (!cells) cells = [];
      if (closing) {
        const c = cell.replace(/\s+/g, ' ').trim();
        if (c) cells.push(c);
        cell = '';
      }
      continue;
    }
    if (cells && name === 'p') {
      // Paragraphs inside a cell stay in that cell.
      if (closing) cell += ' ';
      continue;
    }
    if (name === 'tr' && closing && cells) {
      line = cells.join(' | ');
      cells = null;
      flush();
      continue;
    }
    if (name === 'li' && !closing) {
      flush();
      line = '• ';
      continue;
    }
    if (BLOCK.has(name)) {
      if (line.trim() === '•') line = '';
      flush();
    }
  }
  line += decode(html.slice(at));
  flush();
  return lines;
}
