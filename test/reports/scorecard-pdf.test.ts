/** The PDF scorecard: every section present in the extracted text, page 1 rendered to PNG for a human look. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFParse } from 'pdf-parse';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/index.js';
import { loadRubrics } from '../../src/scoring/rubric.js';
import { buildTranscript } from '../../src/scoring/transcript.js';
import { ModelScorer } from '../../src/scoring/scorer.js';
import { buildScorecard } from '../../src/scoring/decision.js';
import { renderScorecardPdf } from '../../src/reports/scorecard-pdf.js';
import type { Scorecard } from '../../src/scoring/types.js';
import type { StructuredModel } from '../../src/providers/llm.js';
import { simulatedScoringReply } from '../../src/sim/scoring-responder.js';
import { seedInterview } from '../scoring/fixtures.js';
import { testPgliteImage } from '../helpers/pglite-image.js';

const run = promisify(execFile);
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

/** The simulated scoring model called in-process (no HTTP): same replies as the simulator gives. */
export const inProcessSimModel: StructuredModel = {
  name: 'sim-scorer',
  async structured<T>(req: Parameters<StructuredModel['structured']>[0]) {
    const reply = simulatedScoringReply({
      model: 'sim',
      messages: req.messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : '' })),
      tools: [],
      response_format: { type: 'json_schema', json_schema: { name: req.schema.name, schema: req.schema.schema, strict: true } },
      stream: false,
    }) as { json: unknown };
    return { value: reply.json as T };
  },
};

let store: Store;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sl-pdf-'));
  store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, pgliteImage: await testPgliteImage() });
});
afterAll(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

export async function scorecardFor(store: Store, opts: Parameters<typeof seedInterview>[1] = {}): Promise<Scorecard> {
  const id = await seedInterview(store, opts);
  const rubric = loadRubrics().get('backend-senior@1')!;
  const t = buildTranscript(await store.events.list(id, { limit: 5000 }));
  const scorer = new ModelScorer(inProcessSimModel);
  const stages = [];
  for (const stage of ['introduction', 'experience', 'technical', 'system_design']) stages.push(await scorer.scoreStage({ rubric, transcript: t, stage }));
  const view = (await store.interviews.get(id))!;
  return buildScorecard(rubric, stages, t, {
    interviewId: id,
    revision: 1,
    status: 'final',
    candidate: { name: 'Zoë Åström-Rivera' },
    role: { title: view.role.title, level: view.role.level },
    interviewStatus: 'completed',
    scorer: scorer.info,
  });
}

describe('PDF scorecard', () => {
  it('renders every section, with embedded fonts, and page 1 as a PNG', async () => {
    const scorecard = await scorecardFor(store, { workspace: true, adversarial: true, lowConfidenceDesign: true });
    // A long unbroken quote must wrap, not overflow.
    scorecard.dimensions[0]!.evidence.push({ kind: 'quote', seq: 1, atMs: 1000, clock: '0:01', quote: 'x'.repeat(300) + ' and a very long quote '.repeat(20), lowConfidence: false });
    const pdf = await renderScorecardPdf(scorecard);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2/); // TrueType embedded
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const { text, total } = await parser.getText();
    await parser.destroy();
    expect(total).toBeGreaterThanOrEqual(2);
    for (const section of [
      'Zoë Åström-Rivera',
      'Backend Engineer',
      'RECOMMENDATION',
      scorecard.decision.band.label,
      'Confidence',
      'duration',
      'Summary',
      'Strengths',
      'Gaps',
      'Dimensions',
      'Backend technical depth',
      'Gates',
      'Explains their own work',
      'Code results (server-verified)',
      '6/6',
      'Board snapshot',
      'Grounding citations that shaped questions',
      'Integrity facts',
      'Pasted 212 characters',
      'Probe next round',
      'Appendix: full transcript',
      'addressed to the scorer',
      'low confidence',
      'does not replace, a human',
      `Page 1 of ${total}`,
    ]) {
      expect(text, section).toContain(section);
    }
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(ARTIFACTS, 'scorecard.pdf'), pdf);
    await run('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '2', join(ARTIFACTS, 'scorecard.pdf'), join(ARTIFACTS, 'scorecard-page')]);
    expect((await stat(join(ARTIFACTS, 'scorecard-page-1.png'))).size).toBeGreaterThan(10_000);
  });

  it('refuses URL and file access from document content', async () => {
    const scorecard = await scorecardFor(store);
    scorecard.candidate.name = 'http://169.254.169.254/latest/meta-data';
    scorecard.summary = '/etc/passwd';
    const pdf = await renderScorecardPdf(scorecard);
    expect(pdf.byteLength).toBeGreaterThan(1000);
  });
});
