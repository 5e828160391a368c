/**
 * Scoring benchmark: (1) scorecard render time for a 45-minute interview's event log (transcript view + scorecard
 * + PDF, p95 budget < 3 s), and (2) the pipeline's end-of-call → email-in-outbox time with the simulated model
 * behind the OpenAI simulator (real SDK over HTTP, in-process queue, PGlite in memory, `.eml` outbox).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/store.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { registerJobHandlers } from '../../src/jobs/handlers.js';
import { loadConfig } from '../../src/config.js';
import { EmlOutbox } from '../../src/providers/local/eml-outbox.js';
import { OpenAiModel } from '../../src/providers/openai/index.js';
import { ModelScorer } from '../../src/scoring/scorer.js';
import { loadRubrics } from '../../src/scoring/rubric.js';
import { buildTranscript } from '../../src/scoring/transcript.js';
import { buildScorecard } from '../../src/scoring/decision.js';
import { enqueueEndOfCall, repoOf } from '../../src/scoring/index.js';
import { renderScorecardPdf } from '../../src/reports/scorecard-pdf.js';
import { startOpenAiSim } from '../../src/sim/openai-sim.js';
import { simulatedScoringModel, simulatedScoringReply } from '../../src/sim/scoring-responder.js';
import { percentileOf, summarize, type Summary } from './stats.js';
import { judge, table } from './report.js';

export const SCORING_BUDGETS = { renderP95Ms: 3000 };

export interface ScoringBenchResult {
  log: { events: number; utterances: number; minutes: number; pdfBytes: number; pages: number };
  render: Summary & { p95?: number };
  endToEmail: Summary & { p95?: number; modelLatencyMs: number };
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, fatal: () => undefined, trace: () => undefined, child: () => silent, level: 'silent' };

const ANSWERS = [
  'Our payment queue backed up during a big sale and I found a slow query holding locks on the orders table, so I added an index and moved retries to a separate worker pool.',
  'I would keep a sorted set of request times per client in Redis, trim the old ones and count, which keeps each check cheap and the window exact.',
  'I would put a queue in front of one worker pool per channel with retries and idempotency keys so a provider outage only delays that channel.',
  'We measured p99 latency before and after, and the alert thresholds came from the error budget we agreed with the product team.',
];

/** A 45-minute interview: ~4 exchanges a minute over four stages, with transcript finals and turn metrics. */
async function seedLongInterview(store: Store, minutes = 45): Promise<string> {
  const view = await store.interviews.create({
    candidate: { name: 'Bench Candidate', phone: '+15005550006' },
    role: { title: 'Backend Engineer', level: 'senior' },
    hiringManagerEmail: 'hm@example.com',
  });
  const a = (type: string, payload: Record<string, unknown>) => store.events.append(view.id, type, payload);
  await a('call.stream_started', { streamSid: 'MZ1', callSid: 'CA1' });
  const stages = ['introduction', 'experience', 'technical', 'system_design'];
  const perStage = Math.round((minutes * 4) / stages.length / 2);
  let from = 'greeting';
  for (const stage of stages) {
    await a('interview.stage', { from, to: stage, reason: 'tool', elapsedMs: 1000 });
    from = stage;
    for (let i = 0; i < perStage; i++) {
      await a('agent.speech', { replyId: `r-${stage}-${i}`, planned: `Question ${i} about ${stage}: what would you do and why?`, heard: `Question ${i} about ${stage}: what would you do and why?`, interrupted: i % 9 === 0 });
      const text = `${ANSWERS[(i + stage.length) % ANSWERS.length]} (point ${i})`;
      await a('transcript.final', { text, confidence: i % 11 === 0 ? 0.5 : 0.93, startMs: i * 15000, durationMs: 9000, speechFinal: true });
      await a('transcript.turn', { text, endReason: 'endpoint', bargedIn: i % 13 === 0 });
      await a('turn.metrics', { replyId: `r-${stage}-${i}`, sttFinalMs: 250, endOfTurnMs: 260 });
    }
  }
  await a('interview.stage', { from, to: 'close', reason: 'tool', elapsedMs: 1000 });
  await a('call.ended', { reason: 'completed', durationMs: minutes * 60_000 });
  await store.interviews.transition(view.id, 'completed');
  return view.id;
}

export async function run(opts: { quick?: boolean } = {}): Promise<ScoringBenchResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'screenline-bench-scoring-'));
  const store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir });
  const sim = await startOpenAiSim({ responder: simulatedScoringReply });
  const queue = new InProcessQueue();
  try {
    // (1) render: transcript view + scorecard + PDF from the stored log, repeated.
    const rubric = loadRubrics().get('backend-senior@1')!;
    const longId = await seedLongInterview(store);
    const events = await store.events.list(longId, { limit: 5000 });
    const scorer = new ModelScorer(simulatedScoringModel());
    const t0 = buildTranscript(events);
    const stages = [];
    for (const stage of ['introduction', 'experience', 'technical', 'system_design']) stages.push(await scorer.scoreStage({ rubric, transcript: t0, stage }));
    const renders: number[] = [];
    let pdfBytes = 0;
    let pages = 0;
    for (let i = 0; i < (opts.quick ? 5 : 20); i++) {
      const start = performance.now();
      const t = buildTranscript(await store.events.list(longId, { limit: 5000 }));
      const card = buildScorecard(rubric, stages, t, { interviewId: longId, revision: 1, status: 'final', candidate: { name: 'Bench Candidate' }, role: { title: 'Backend Engineer', level: 'senior' }, interviewStatus: 'completed', scorer: scorer.info });
      const pdf = await renderScorecardPdf(card);
      renders.push(performance.now() - start);
      pdfBytes = pdf.byteLength;
      pages = Number(/\/Type\s*\/Pages[^>]*\/Count\s+(\d+)/.exec(pdf.toString('latin1'))?.[1] ?? 0);
    }

    // (2) end of call → email in the outbox, through the jobs, the real OpenAI SDK and the simulator.
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    registerJobHandlers(queue, {
      store,
      log: silent as never,
      config,
      scorer: new ModelScorer(new OpenAiModel({ apiKey: 'sk-bench', baseUrl: sim.baseUrl, maxRetries: 0 })),
      email: new EmlOutbox(join(dataDir, 'outbox', 'email')),
    });
    const pipeline: number[] = [];
    for (let i = 0; i < (opts.quick ? 3 : 10); i++) {
      const id = await seedLongInterview(store, 10);
      const start = performance.now();
      await enqueueEndOfCall(queue, { interviewId: id });
      for (;;) {
        if ((await repoOf(store).outboxForInterview(id)).some((r) => r.status === 'sent')) break;
        if (performance.now() - start > 120_000) throw new Error('no email within 120 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      pipeline.push(performance.now() - start);
    }
    const p95 = (xs: number[]) => percentileOf([...xs].sort((x, y) => x - y), 0.95);
    return {
      log: { events: events.length, utterances: t0.utterances.length, minutes: 45, pdfBytes, pages },
      render: { ...summarize(renders), p95: p95(renders) },
      endToEmail: { ...summarize(pipeline), p95: p95(pipeline), modelLatencyMs: 0 },
    };
  } finally {
    await queue.close(5000);
    await sim.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const f = (x: number | undefined, d = 0) => (x === undefined ? undefined : x.toFixed(d));

export function scoringTable(r: ScoringBenchResult): string {
  return table(
    `Scoring and scorecard (scripts/bench/scoring.ts; log of a ${r.log.minutes}-minute interview: ${r.log.events} events, ${r.log.utterances} utterances → ${r.log.pages}-page PDF, ${Math.round(r.log.pdfBytes / 1024)} KB)`,
    ['benchmark', 'n', 'p50 ms', 'p95 ms', 'max ms', 'budget', 'status'],
    [
      ['scorecard render (transcript view + scorecard + PDF)', r.render.n, f(r.render.p50), f(r.render.p95), f(r.render.max), `p95 < ${SCORING_BUDGETS.renderP95Ms} ms`, judge(r.render.p95, SCORING_BUDGETS.renderP95Ms)],
      ['end of call → email in outbox (10-min interview, 4 stages scored via simulator)', r.endToEmail.n, f(r.endToEmail.p50), f(r.endToEmail.p95), f(r.endToEmail.max), '—', ''],
    ],
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  run({ quick: process.argv.includes('--quick') })
    .then((r) => console.log(scoringTable(r)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
