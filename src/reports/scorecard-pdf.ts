/**
 * The PDF scorecard (pdfmake 0.3). Fonts are Roboto from the pdfmake package, read once into pdfmake's virtual
 * file system; the URL and local-file access policies refuse everything, so nothing in a document (names,
 * quotes) can make the renderer fetch a URL or read a file. Layout: header and page numbers on every page, tables
 * whose rows never split, long quotes wrapped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type pdfmakeType from 'pdfmake';
import type { Scorecard } from '../scoring/types.js';
import { clock } from '../scoring/transcript.js';

type Node = Record<string, unknown> | string | Node[];

type PdfMake = typeof pdfmakeType;
let loading: Promise<PdfMake> | undefined;

/** pdfmake and its fonts, loaded on the first scorecard: a web process that never renders one does not hold them (7 MB of heap). */
function pdfmakeReady(): Promise<PdfMake> {
  loading ??= import('pdfmake').then(({ default: pdfmake }) => {
    const require = createRequire(import.meta.url);
    const roboto = (require('pdfmake/fonts/Roboto') as { Roboto: Record<string, string> }).Roboto;
    const names: Record<string, string> = {};
    for (const [style, path] of Object.entries(roboto)) {
      const name = `screenline-${style}.ttf`;
      pdfmake.virtualfs.writeFileSync(name, readFileSync(path));
      names[style] = name;
    }
    pdfmake.setFonts({ Roboto: names });
    pdfmake.setUrlAccessPolicy(() => false);
    pdfmake.setLocalAccessPolicy(() => false);
    return pdfmake;
  });
  // A failed load is tried again by the next scorecard, not remembered.
  loading.catch(() => (loading = undefined));
  return loading;
}

const INK = '#1f2933';
const MUTED = '#616e7c';
const ACCENT = '#1d4ed8';
const RULE = '#d9dee5';

const BAND_COLOURS: Record<string, string> = {
  strong_advance: '#15803d',
  advance: '#16a34a',
  hold: '#b45309',
  do_not_advance: '#b91c1c',
  insufficient_evidence: '#6b7280',
};

/** Long unbroken tokens (URLs, code) would overflow a cell: give them break opportunities. */
function soft(text: string, max = 4000): string {
  const t = text.length > max ? `${text.slice(0, max)} …` : text;
  return t.replace(/(\S{40})(?=\S)/g, '$1\u200b');
}

const section = (title: string): Node => ({ text: title, style: 'h2', headlineLevel: 1, margin: [0, 14, 0, 6] });
const empty = (text: string): Node => ({ text, style: 'muted', margin: [0, 0, 0, 4] });
const tableLayout = {
  hLineWidth: (i: number) => (i === 0 ? 0 : 0.5),
  vLineWidth: () => 0,
  hLineColor: () => RULE,
  paddingTop: () => 4,
  paddingBottom: () => 4,
  paddingLeft: () => 4,
  paddingRight: () => 4,
  fillColor: (row: number) => (row === 0 ? '#f1f4f8' : null),
};

function evidenceList(ev: Scorecard['dimensions'][number]['evidence']): Node {
  if (ev.length === 0) return { text: '—', style: 'muted' };
  return ev.map((e) => ({
    text: [
      { text: `[${e.clock}] `, color: ACCENT, bold: true },
      e.kind === 'quote' ? `“${soft(e.quote, 600)}”` : `${e.kind.replace('_', ' ')}: ${soft(e.quote, 600)}`,
      e.lowConfidence ? { text: ' (low transcription confidence)', italics: true, color: MUTED } : '',
    ],
    margin: [0, 0, 0, 3],
  }));
}

export function scorecardDocument(s: Scorecard): Record<string, unknown> {
  const bandColour = BAND_COLOURS[s.decision.band.id] ?? INK;
  const date = s.startedAt ? new Date(s.startedAt) : new Date(s.generatedAt);
  const content: Node[] = [];

  content.push({
    columns: [
      [
        { text: s.candidate.name, style: 'h1' },
        { text: `${s.role.title}${s.role.level ? ` · ${s.role.level}` : ''}`, style: 'subtitle' },
        {
          text: `Interviewed ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC · duration ${clock(s.durationMs)} · status ${s.interviewStatus}`,
          style: 'muted',
        },
      ],
      {
        width: 170,
        table: {
          widths: ['*'],
          body: [
            [{ text: 'RECOMMENDATION', color: '#ffffff', fontSize: 8, bold: true, fillColor: bandColour, margin: [6, 4, 6, 0] }],
            [{ text: s.decision.band.label, color: '#ffffff', fontSize: 14, bold: true, fillColor: bandColour, margin: [6, 0, 6, 2] }],
            [
              {
                text: `Confidence ${s.decision.confidenceLabel} (${Math.round(s.decision.confidence * 100)}%)${s.decision.weightedScore !== null ? ` · score ${s.decision.weightedScore.toFixed(2)}/4` : ''}`,
                color: '#ffffff',
                fontSize: 8,
                fillColor: bandColour,
                margin: [6, 0, 6, 5],
              },
            ],
          ],
        },
        layout: 'noBorders',
      },
    ],
    columnGap: 12,
  });

  content.push({
    table: {
      widths: ['*'],
      body: [[{ text: s.notice, fontSize: 8, color: '#7c2d12', margin: [6, 4, 6, 4] }]],
    },
    layout: { hLineWidth: () => 0.8, vLineWidth: () => 0.8, hLineColor: () => '#fdba74', vLineColor: () => '#fdba74', fillColor: () => '#fff7ed' },
    margin: [0, 12, 0, 0],
  });

  content.push(section('Summary'));
  content.push({ text: soft(s.summary), margin: [0, 0, 0, 4] });
  if (s.decision.band.id === 'insufficient_evidence') content.push({ text: s.decision.note, style: 'muted' });
  content.push({
    text: `Rubric ${s.rubric.id}@${s.rubric.version} (${s.rubric.title}) · ${s.scorer.label} · revision ${s.revision}${s.rejectedEvidence ? ` · ${s.rejectedEvidence} unverifiable evidence item(s) dropped` : ''}`,
    style: 'muted',
    margin: [0, 2, 0, 0],
  });
  if (s.strengths.length || s.gaps.length) {
    content.push({
      columns: [
        [{ text: 'Strengths', bold: true, margin: [0, 8, 0, 2] }, s.strengths.length ? { ul: s.strengths.map((x) => soft(x)) } : empty('None identified.')],
        [{ text: 'Gaps', bold: true, margin: [0, 8, 0, 2] }, s.gaps.length ? { ul: s.gaps.map((x) => soft(x)) } : empty('None identified.')],
      ],
      columnGap: 16,
    });
  }

  content.push(section('Dimensions'));
  content.push({
    table: {
      headerRows: 1,
      dontBreakRows: true,
      keepWithHeaderRows: 1,
      widths: [105, 40, '*', 190],
      body: [
        ['Dimension (weight)', 'Score', 'Rationale', 'Evidence'].map((t) => ({ text: t, bold: true, fontSize: 8 })),
        ...s.dimensions.map((d) => [
          { text: [{ text: d.name, bold: true }, { text: `\n${Math.round(d.weight * 100)}%`, style: 'muted' }] },
          d.score === null ? { text: 'not assessed', style: 'muted' } : { text: `${d.score}/4`, bold: true, fontSize: 11 },
          { text: [soft(d.rationale), d.anchor ? { text: `\nAnchor: ${soft(d.anchor)}`, style: 'muted' } : ''] },
          evidenceList(d.evidence),
        ]),
      ],
    },
    layout: tableLayout,
  });

  content.push(section('Gates'));
  content.push(
    s.gates.length
      ? {
          table: {
            headerRows: 1,
            dontBreakRows: true,
            widths: [120, 60, '*', 170],
            body: [
              ['Gate', 'Result', 'Rationale', 'Evidence'].map((t) => ({ text: t, bold: true, fontSize: 8 })),
              ...s.gates.map((g) => [
                { text: [{ text: g.name, bold: true }, g.knockout ? { text: '\nknock-out', style: 'muted' } : ''] },
                { text: g.result.replace('_', ' '), bold: true, color: g.result === 'fail' ? '#b91c1c' : g.result === 'pass' ? '#15803d' : MUTED },
                soft(g.rationale),
                evidenceList(g.evidence),
              ]),
            ],
          },
          layout: tableLayout,
        }
      : empty('This rubric has no gates.'),
  );

  content.push(section('Code results (server-verified)'));
  content.push(
    s.codeResults.length
      ? {
          table: {
            headerRows: 1,
            dontBreakRows: true,
            widths: [50, '*', 80, 80],
            body: [
              ['Time', 'Run', 'Tests passed', 'Verified'].map((t) => ({ text: t, bold: true, fontSize: 8 })),
              ...s.codeResults.map((c) => [c.clock, soft(c.label), `${c.passed}/${c.total}`, c.verified ? 'server' : 'not verified']),
            ],
          },
          layout: tableLayout,
        }
      : empty('No code was run in this interview.'),
  );
  if (s.timeToFirstPassMs !== null) content.push({ text: `Time to first passing run: ${clock(s.timeToFirstPassMs)}`, style: 'muted', margin: [0, 3, 0, 0] });

  content.push(section('Board snapshot'));
  content.push(s.board.length ? { ul: s.board.map((b) => `[${b.clock}] ${soft(b.text)}`) } : empty('No design board was used.'));

  content.push(section('Grounding citations that shaped questions'));
  content.push(s.citations.length ? { ul: s.citations.map((c) => `[${c.clock}] ${soft(c.text, 500)}`) } : empty('No resume or job-description passages were cited.'));

  content.push(section('Integrity facts'));
  content.push({ text: 'Recorded as facts, never as a verdict; they do not change the scores.', style: 'muted', margin: [0, 0, 0, 3] });
  content.push(s.integrity.length ? { ul: s.integrity.map((f) => `[${f.clock}] ${f.type}: ${soft(f.text, 300)}`) } : empty('None recorded.'));

  content.push(section('Probe next round'));
  content.push(s.probes.length ? { ol: s.probes.map((p) => soft(p)) } : empty('Nothing specific.'));

  content.push({ text: 'Appendix: full transcript', style: 'h2', pageBreak: 'before', margin: [0, 0, 0, 4] });
  content.push({
    text: '— marks an interviewer line the candidate cut off; (spoke over) a candidate turn that interrupted the interviewer; (low confidence) a passage the speech recogniser was unsure of; lines addressed to the scorer are shown but never used as evidence.',
    style: 'muted',
    margin: [0, 0, 0, 6],
  });
  let stage = '';
  for (const l of s.transcript) {
    if (l.stage !== stage) {
      stage = l.stage;
      content.push({ text: stage.replace('_', ' ').toUpperCase(), fontSize: 8, bold: true, color: ACCENT, margin: [0, 6, 0, 2] });
    }
    content.push({
      columns: [
        { width: 34, text: l.clock, style: 'muted' },
        { width: 62, text: l.speaker === 'candidate' ? 'Candidate' : 'Interviewer', bold: l.speaker === 'candidate', fontSize: 8.5 },
        {
          width: '*',
          text: [
            soft(l.text),
            l.interrupted ? (l.speaker === 'interviewer' ? ' —' : { text: ' (spoke over)', italics: true, color: MUTED }) : '',
            l.lowConfidence ? { text: ' (low confidence)', italics: true, color: MUTED } : '',
            l.addressedToScorer ? { text: ' (addressed to the scorer: not used)', italics: true, color: MUTED } : '',
            { text: `  #${l.seq}`, color: '#9aa5b1', fontSize: 6.5 },
          ],
          fontSize: 8.5,
        },
      ],
      columnGap: 4,
      margin: [0, 0, 0, 2],
    });
  }

  return {
    info: { title: `Scorecard: ${s.candidate.name}, ${s.role.title}`, author: 'screenline', subject: 'Interview scorecard' },
    pageSize: 'A4',
    pageMargins: [40, 56, 40, 44],
    header: (page: number) =>
      page === 1
        ? { text: '' }
        : {
            columns: [
              { text: `Scorecard · ${s.candidate.name} · ${s.role.title}`, fontSize: 7.5, color: MUTED },
              { text: `${s.decision.band.label} · ${date.toISOString().slice(0, 10)}`, alignment: 'right', fontSize: 7.5, color: MUTED },
            ],
            margin: [40, 24, 40, 0],
          },
    footer: (page: number, pages: number) => ({
      columns: [
        { width: '*', text: 'screenline · this recommendation supports, and does not replace, a human decision', fontSize: 7, color: MUTED },
        { width: 70, text: `Page ${page} of ${pages}`, alignment: 'right', fontSize: 7.5, color: MUTED },
      ],
      margin: [40, 14, 40, 0],
    }),
    content: keepHeadingsWithContent(content),
    defaultStyle: { font: 'Roboto', fontSize: 9, color: INK, lineHeight: 1.15 },
    styles: {
      h1: { fontSize: 20, bold: true, margin: [0, 0, 0, 2] },
      h2: { fontSize: 12, bold: true, color: INK },
      subtitle: { fontSize: 11, color: MUTED, margin: [0, 0, 0, 4] },
      muted: { fontSize: 8, color: MUTED },
    },
  };
}

/**
 * A section heading never sits alone at the bottom of a page: each heading is kept on one page with the block that
 * follows it, except the dimensions table (which may run over pages, with its header row repeated).
 */
function keepHeadingsWithContent(content: Node[]): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < content.length; i++) {
    const node = content[i]!;
    const next = content[i + 1];
    const heading = typeof node === 'object' && !Array.isArray(node) && node.headlineLevel === 1;
    if (heading && next !== undefined && (node as { text?: string }).text !== 'Dimensions') {
      const parts: Node[] = [node, next];
      // "Integrity facts" has a note line between heading and list.
      if ((node as { text?: string }).text === 'Integrity facts' && content[i + 2] !== undefined) parts.push(content[++i + 1]!);
      out.push({ stack: parts, unbreakable: true });
      i++;
    } else out.push(node);
  }
  return out;
}

export async function renderScorecardPdf(s: Scorecard): Promise<Buffer> {
  const pdfmake = await pdfmakeReady();
  return pdfmake.createPdf(scorecardDocument(s)).getBuffer();
}
