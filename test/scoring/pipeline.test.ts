/** The scoring pipeline on the in-process queue: end of call → scorecard → PDF → one email in the outbox. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/index.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { registerJobHandlers } from '../../src/jobs/handlers.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { EmlOutbox } from '../../src/providers/local/eml-outbox.js';
import { ModelScorer, OfflineScorer } from '../../src/scoring/scorer.js';
import { enqueueEndOfCall, enqueueRescore, enqueueStageScoring, repoOf } from '../../src/scoring/index.js';
import { startOpenAiSim, type OpenAiSim } from '../../src/sim/openai-sim.js';
import { simulatedScoringReply } from '../../src/sim/scoring-responder.js';
import { OpenAiModel } from '../../src/providers/openai/index.js';
import { seedInterview } from './fixtures.js';
import { testPgliteImage } from '../helpers/pglite-image.js';

let store: Store;
let dataDir: string;
let sim: OpenAiSim;
const queues: InProcessQueue[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sl-pipeline-'));
  store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, pgliteImage: await testPgliteImage() });
  sim = await startOpenAiSim({ responder: simulatedScoringReply });
});
afterAll(async () => {
  for (const q of queues) await q.close(1000);
  await sim.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

function setUp(opts: { offline?: boolean; outbox?: string } = {}) {
  const queue = new InProcessQueue();
  queues.push(queue);
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const email = new EmlOutbox(opts.outbox ?? join(dataDir, 'outbox', 'email'));
  const scorer = opts.offline ? new OfflineScorer() : new ModelScorer(new OpenAiModel({ apiKey: 'sk', baseUrl: sim.baseUrl, maxRetries: 0 }));
  registerJobHandlers(queue, { store, log: createLogger('silent'), config, scorer, email });
  return { queue, email };
}

async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scoring pipeline (in-process queue)', () => {
  it('end of call → one scorecard, one PDF, one email, even when enqueued twice', async () => {
    const outbox = join(dataDir, 'outbox-twice');
    const { queue } = setUp({ outbox });
    const id = await seedInterview(store, { workspace: true });
    await enqueueEndOfCall(queue, { interviewId: id });
    await enqueueEndOfCall(queue, { interviewId: id });
    const repo = repoOf(store);
    const sent = await until(async () => (await repo.outboxForInterview(id)).find((r) => r.status === 'sent'));
    // A late duplicate (after everything finished) changes nothing either.
    await enqueueEndOfCall(queue, { interviewId: id });
    await new Promise((r) => setTimeout(r, 500));
    expect(await repo.countInterviewScores(id)).toBe(1);
    expect(await repo.countReports(id)).toBe(1);
    expect(await repo.outboxForInterview(id)).toHaveLength(1);
    const files = (await readdir(outbox)).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    expect(sent.location).toBe(join(outbox, files[0]!));
    const eml = await readFile(sent.location!, 'utf8');
    expect(eml).toMatch(/^To: hm@example.com$/m);
    expect(eml).toMatch(/Content-Type: application\/pdf; name="scorecard-Alex-Rivera.pdf"/);
    expect(eml).toMatch(/Content-Disposition: attachment/);
    const types = (await store.events.list(id, { limit: 5000 })).map((e) => e.type);
    expect(types.filter((t) => t === 'score.interview')).toHaveLength(1);
    expect(types.filter((t) => t === 'report.rendered')).toHaveLength(1);
    expect(types.filter((t) => t === 'report.sent')).toHaveLength(1);
    expect(types).toContain('score.rubric_selected');
    expect(types.filter((t) => t === 'score.answer')).toHaveLength(4);
    const finalDecision = (await store.events.list(id, { types: ['decision.updated'] })).at(-1)!;
    expect(finalDecision.payload).toMatchObject({ final: true, band: expect.any(String) });
    const score = (await repo.latestInterviewScore(id))!;
    expect(score).toMatchObject({ rubricId: 'backend-senior', rubricVersion: 1, promptVersion: 'scoring-prompt-v1', temperature: '0' });
    expect(score.model).toContain('gpt-4o-mini');
  });

  it('scores each stage as it closes and updates the rolling decision', async () => {
    const { queue } = setUp();
    const id = await seedInterview(store);
    await enqueueStageScoring(queue, { interviewId: id, stage: 'experience' });
    await enqueueStageScoring(queue, { interviewId: id, stage: 'experience' });
    const first = await until(async () => (await store.events.list(id, { types: ['decision.updated'] }))[0]);
    expect(first.payload).toMatchObject({ final: false, stagesScored: ['experience'] });
    await enqueueStageScoring(queue, { interviewId: id, stage: 'technical' });
    const second = await until(async () => (await store.events.list(id, { types: ['decision.updated'] }))[1]);
    expect(second.payload.stagesScored).toEqual(['experience', 'technical']);
    await new Promise((r) => setTimeout(r, 300));
    expect((await store.events.list(id, { types: ['score.answer'] })).map((e) => e.payload.stage)).toEqual(['experience', 'technical']);
  });

  it('a poison job ends in a recorded failure, not a loop', async () => {
    const { queue } = setUp();
    const id = await seedInterview(store);
    const before = sim.requests.length;
    sim.setResponder(() => ({ raw: '{"dimensions": [', finishReason: 'length' }));
    try {
      await enqueueEndOfCall(queue, { interviewId: id });
      const failed = await until(async () => (await store.events.list(id, { types: ['job.failed'] }))[0]);
      expect(failed.payload).toMatchObject({ job: 'score-interview', unrecoverable: true, attempt: 1 });
      expect(String(failed.payload.error)).toMatch(/after 3 attempts/);
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.requests.length - before).toBe(3); // three tries of the model, no job-level retries
      expect(await store.events.list(id, { types: ['job.failed'] })).toHaveLength(1);
      expect(await repoOf(store).latestInterviewScore(id)).toBeNull();
    } finally {
      sim.setResponder(simulatedScoringReply);
    }
    // Malformed job data: unrecoverable at once.
    await queue.enqueue('score-interview', { nope: true }, { attempts: 4 });
  });

  it('rescore writes a new revision and keeps the old one; offline scoring is labelled', async () => {
    const { queue } = setUp({ offline: true });
    const id = await seedInterview(store, { workspace: true, hiringManagerEmail: null });
    await enqueueEndOfCall(queue, { interviewId: id });
    const repo = repoOf(store);
    await until(async () => (await store.events.list(id, { types: ['report.skipped'] }))[0]);
    const first = (await repo.latestInterviewScore(id))!;
    expect((first.scorecard as { scorer: { kind: string; label: string } }).scorer.kind).toBe('offline');
    expect(first.model).toBeNull();
    const { revision } = await enqueueRescore(queue, store, { interviewId: id, rubric: 'backend-mid@1' });
    expect(revision).toBe(2);
    const second = await until(async () => {
      const s = await repo.latestInterviewScore(id);
      return s && s.revision === 2 ? s : undefined;
    });
    expect(second.rubricId).toBe('backend-mid');
    expect(await repo.countInterviewScores(id)).toBe(2);
    expect((await repo.getInterviewScore(first.id))!.rubricId).toBe('backend-senior');
    expect((await repo.getPinnedRubric(id))!.rubricId).toBe('backend-senior');
  });
});
