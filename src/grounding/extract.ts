/**
 * Document extraction (runs in the parse child process, see parser.ts): PDF through pdf.js (legacy build, with
 * text positions for reading order and the operator list for hidden text and scans), DOCX through mammoth, plain
 * text. Returns lines per page plus everything that must never reach the model as resume content: hidden text
 * (white, tiny, invisible render mode, off-page), metadata and form-field values.
 */
import { refuse, DocumentRefusedError } from './errors.js';
import { readingOrder, type TextItem } from './layout.js';
import type { DocumentFormat, ParseLimits } from './types.js';
import { docxHtmlToLines } from './docx-lines.js';
import { stripHiddenRuns } from './docx-hidden.js';

export type HiddenReason = 'white_text' | 'tiny_text' | 'invisible_text' | 'off_page_text';

export interface Extracted {
  format: Exclude<DocumentFormat, 'inline'>;
  pageCount: number;
  pages: { page: number | null; lines: string[] }[];
  hidden: { page: number; text: string; reason: HiddenReason }[];
  metadata: { field: string; text: string }[];
  formFields: { name: string; text: string; page: number | null }[];
}

/** Decides the real format from the bytes (never from the name alone). */
export function sniffFormat(bytes: Uint8Array, filename?: string, contentType?: string): Exclude<DocumentFormat, 'inline'> {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  const claimsPdf = /\.pdf$/i.test(filename ?? '') || /application\/pdf/i.test(contentType ?? '');
  if (bytes.length === 0) throw refuse('empty', 'the file is empty');
  if (head.includes('%PDF-')) return 'pdf';
  if (claimsPdf) throw refuse('not_a_pdf', 'the file is named or typed as a PDF but is not one (no %PDF header)');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'docx';
  if (/\.docx$/i.test(filename ?? '')) throw refuse('corrupt', 'the file is named .docx but is not a Word document');
  if (bytes.subarray(0, 4096).includes(0)) {
    throw refuse('unsupported_format', 'unsupported file type: send a PDF, a DOCX or plain text');
  }
  return 'text';
}

export async function extract(bytes: Uint8Array, format: Extracted['format'], limits: ParseLimits): Promise<Extracted> {
  if (bytes.length > limits.maxBytes) {
    throw refuse('too_large', `the file is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${limits.maxBytes / 1048576} MB`);
  }
  let out: Extracted;
  if (format === 'pdf') out = await extractPdf(bytes, limits);
  else if (format === 'docx') out = await extractDocx(bytes);
  else out = extractText(bytes);
  const chars = out.pages.reduce((n, p) => n + p.lines.reduce((m, l) => m + l.length + 1, 0), 0);
  if (chars > limits.maxChars) {
    throw refuse('too_much_text', `the document holds ${chars} characters of text; the limit is ${limits.maxChars}`);
  }
  if (chars === 0 || out.pages.every((p) => p.lines.every((l) => !l.trim()))) throw refuse('empty', 'the document has no text');
  return out;
}

function extractText(bytes: Uint8Array): Extracted {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = Buffer.from(bytes).toString('latin1');
  }
  return { format: 'text', pageCount: 1, pages: [{ page: null, lines: text.split(/\r\n|\r|\n/) }], hidden: [], metadata: [], formFields: [] };
}

async function extractDocx(bytes: Uint8Array): Promise<Extracted> {
  const mammoth = await import('mammoth');
  let value: string;
  let hidden: Extracted['hidden'];
  try {
    const visible = await stripHiddenRuns(bytes);
    hidden = visible.hidden;
    ({ value } = await mammoth.convertToHtml({ buffer: Buffer.from(visible.bytes) }));
  } catch (err) {
    throw refuse('corrupt', 'the Word document is corrupt or not a DOCX file', { cause: err });
  }
  return { format: 'docx', pageCount: 1, pages: [{ page: null, lines: docxHtmlToLines(value) }], hidden, metadata: [], formFields: [] };
}

interface PdfTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

function isWhite(hex: unknown): boolean {
  if (typeof hex !== 'string' || !/^#[0-9a-f]{6}$/i.test(hex)) return false;
  const n = parseInt(hex.slice(1), 16);
  return ((n >> 16) & 255) >= 0xf0 && ((n >> 8) & 255) >= 0xf0 && (n & 255) >= 0xf0;
}

const squash = (s: string) => s.replace(/\s+/g, '');

async function extractPdf(bytes: Uint8Array, limits: ParseLimits): Promise<Extracted> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048))).toString('latin1');
  const hasEof = tail.includes('%%EOF');
  let doc;
  try {
    doc = await pdfjs.getDocument({
      data: new Uint8Array(bytes),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'PasswordException') throw refuse('password_protected', 'the PDF is password-protected', { cause: err });
    if (!hasEof) throw refuse('truncated', 'the PDF is truncated (it ends before its end-of-file marker)', { cause: err });
    throw refuse('corrupt', 'the PDF is corrupt and cannot be read', { cause: err });
  }
  try {
    if (!hasEof) throw refuse('truncated', 'the PDF is truncated (it ends before its end-of-file marker)');
    if (doc.numPages > limits.maxPages) {
      throw refuse('too_many_pages', `the PDF has ${doc.numPages} pages; the limit is ${limits.maxPages}`);
    }
    const out: Extracted = { format: 'pdf', pageCount: doc.numPages, pages: [], hidden: [], metadata: [], formFields: [] };
    const OPS = pdfjs.OPS as Record<string, number>;
    const imageOps = new Set([OPS.paintImageXObject, OPS.paintInlineImageXObject, OPS.paintImageMaskXObject]);
    for (let num = 1; num <= doc.numPages; num++) {
      let page;
      try {
        page = await doc.getPage(num);
      } catch (err) {
        throw refuse(hasEof ? 'corrupt' : 'truncated', `page ${num} of the PDF cannot be read`, { page: num, cause: err });
      }
      const [vx0, vy0, vx1, vy1] = page.view as [number, number, number, number];
      const content = await page.getTextContent();
      const ops = await page.getOperatorList();
      // Walk the operator list: which text is painted white or invisibly, and whether the page paints images.
      let fill: unknown = '#000000';
      let mode = 0;
      const stack: { fill: unknown; mode: number }[] = [];
      let white = '';
      let invisible = '';
      const painted: { raw: string; squashed: string }[] = [];
      let images = 0;
      for (let i = 0; i < ops.fnArray.length; i++) {
        const fn = ops.fnArray[i];
        const args = ops.argsArray[i] as unknown[] | null;
        if (fn === OPS.save) stack.push({ fill, mode });
        else if (fn === OPS.restore) ({ fill, mode } = stack.pop() ?? { fill: '#000000', mode: 0 });
        else if (fn === OPS.setFillRGBColor) fill = args?.[0];
        else if (fn === OPS.setTextRenderingMode) mode = Number(args?.[0] ?? 0);
        else if (fn === OPS.showText || fn === OPS.showSpacedText) {
          const glyphs = (args?.[0] ?? []) as unknown[];
          const run = glyphs.map((g) => (g && typeof g === 'object' ? String((g as { unicode?: string }).unicode ?? '') : '')).join('');
          if (mode === 3 || mode === 7) invisible += squash(run) + '\u0000';
          else if (isWhite(fill)) white += squash(run) + '\u0000';
          else painted.push({ raw: run, squashed: squash(run) });
        } else if (imageOps.has(fn)) images++;
      }
      const visible: TextItem[] = [];
      const hidden: Record<HiddenReason, string[]> = { white_text: [], tiny_text: [], invisible_text: [], off_page_text: [] };
      for (const raw of content.items as PdfTextItem[]) {
        if (typeof raw.str !== 'string' || !raw.str.trim()) continue;
        const [a, b, , , x, y] = raw.transform as [number, number, number, number, number, number];
        const size = Math.hypot(a, b) || raw.height;
        const s = squash(raw.str);
        const item: TextItem = { str: raw.str, x, y, width: raw.width, height: size };
        if (s.length >= 2 && invisible.includes(s)) hidden.invisible_text.push(raw.str);
        else if (s.length >= 2 && white.includes(s)) hidden.white_text.push(raw.str);
        else if (size < 3) hidden.tiny_text.push(raw.str);
        else if (x > vx1 || x + raw.width < vx0 || y > vy1 || y < vy0 - size) hidden.off_page_text.push(raw.str);
        else visible.push(item);
      }
      // pdf.js drops text painted outside the page from the text content; the operator list still has it.
      const seen = squash(content.items.map((i) => (i as PdfTextItem).str ?? '').join(''));
      for (const run of painted) if (run.squashed.length >= 8 && !seen.includes(run.squashed)) hidden.off_page_text.push(run.raw);
      for (const [reason, parts] of Object.entries(hidden) as [HiddenReason, string[]][]) {
        if (parts.length) out.hidden.push({ page: num, reason, text: parts.join(' ') });
      }
      if (visible.length === 0 && images > 0) {
        throw refuse('image_only', `page ${num} has no text layer: it looks scanned (send a PDF with selectable text)`, { page: num });
      }
      out.pages.push({ page: num, lines: readingOrder(visible, vx1 - vx0) });
      page.cleanup();
    }
    const meta = await doc.getMetadata().catch(() => null);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    for (const field of ['Title', 'Author', 'Subject', 'Keywords', 'Creator']) {
      const v = info[field];
      if (typeof v === 'string' && v.trim()) out.metadata.push({ field, text: v.trim() });
    }
    const custom = info.Custom;
    if (custom && typeof custom === 'object') {
      for (const [k, v] of Object.entries(custom as Record<string, unknown>)) if (typeof v === 'string') out.metadata.push({ field: k, text: v });
    }
    const fields = (await doc.getFieldObjects().catch(() => null)) as Record<string, { value?: unknown; page?: number }[]> | null;
    for (const [name, list] of Object.entries(fields ?? {})) {
      for (const f of list) {
        if (typeof f.value === 'string' && f.value.trim()) {
          out.formFields.push({ name, text: f.value.trim(), page: typeof f.page === 'number' ? f.page + 1 : null });
        }
      }
    }
    return out;
  } catch (err) {
    if (err instanceof DocumentRefusedError) throw err;
    throw refuse(hasEof ? 'corrupt' : 'truncated', hasEof ? 'the PDF is corrupt and cannot be read' : 'the PDF is truncated', { cause: err });
  } finally {
    await doc.destroy();
  }
}
