/**
 * Text a Word reader never sees: runs marked hidden (`w:vanish`, `w:webHidden`), white (`w:color FFFFFF`) or
 * tiny (`w:sz` under 3 pt). mammoth renders them like any other text, so they are cut out of the document before
 * mammoth reads it and returned separately, to be recorded flagged and never retrieved, as for PDFs.
 * Runs never nest in WordprocessingML, so a scan of `<w:r>…</w:r>` finds each one with its own properties.
 */
import JSZip from 'jszip';
import type { HiddenReason } from './extract.js';

const PARTS = /^word\/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$/;
const RUN = /<w:r(?:\s[^>]*)?>[\s\S]*?<\/w:r>/g;
const TEXT = /<w:t(?:\s[^>]*)?>([\s\S]*?)<\/w:t>/g;

function reasonOf(run: string): HiddenReason | undefined {
  const props = /<w:rPr>([\s\S]*?)<\/w:rPr>/.exec(run)?.[1];
  if (!props) return undefined;
  const on = (tag: string) => {
    const m = new RegExp(`<w:${tag}(\\s[^>]*)?/>`).exec(props);
    return m !== null && !/w:val="(false|0|off)"/.test(m[1] ?? '');
  };
  if (on('vanish') || on('webHidden')) return 'invisible_text';
  const color = /<w:color\s[^>]*w:val="([0-9A-Fa-f]{6})"/.exec(props)?.[1];
  if (color && color.toUpperCase() === 'FFFFFF') return 'white_text';
  const halfPoints = Number(/<w:sz\s[^>]*w:val="(\d+)"/.exec(props)?.[1] ?? NaN);
  if (halfPoints < 6) return 'tiny_text';
  return undefined;
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The document without its hidden runs, and what they said (one entry per reason). */
export async function stripHiddenRuns(bytes: Uint8Array): Promise<{ bytes: Uint8Array; hidden: { page: number; text: string; reason: HiddenReason }[] }> {
  const zip = await JSZip.loadAsync(bytes);
  const found: Record<HiddenReason, string[]> = { white_text: [], tiny_text: [], invisible_text: [], off_page_text: [] };
  let changed = false;
  for (const name of Object.keys(zip.files).filter((n) => PARTS.test(n))) {
    const xml = await zip.file(name)!.async('string');
    const out = xml.replace(RUN, (run) => {
      const reason = reasonOf(run);
      if (!reason) return run;
      const text = [...run.matchAll(TEXT)].map((m) => decode(m[1] ?? '')).join('');
      if (text.trim()) found[reason].push(text.trim());
      changed = true;
      return '';
    });
    if (out !== xml) zip.file(name, out);
  }
  const hidden = (Object.entries(found) as [HiddenReason, string[]][]).filter(([, t]) => t.length).map(([reason, t]) => ({ page: 1, reason, text: t.join(' ') }));
  return { bytes: changed ? await zip.generateAsync({ type: 'uint8array' }) : bytes, hidden };
}
