/**
 * `screenline rescore <interview> [--rubric id@version] [--email]`: scores an interview again, reproducibly, into
 * a new revision (old revisions stay as they were). Runs the scoring jobs in this process and waits for the new
 * scorecard and PDF; `--email` also sends it to the hiring manager.
 */
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { openStore } from '../store/index.js';
import { InProcessQueue } from '../jobs/in-process-queue.js';
import { registerJobHandlers } from '../jobs/handlers.js';
import { createLogger } from '../lib/logger.js';
import { enqueueRescore, repoOf, rubrics } from '../scoring/index.js';

const out = (line: string) => process.stdout.write(line + '\n');

export async function rescore(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { rubric: { type: 'string' }, email: { type: 'boolean', default: false }, 'timeout-sec': { type: 'string', default: '300' } },
    allowPositionals: true,
  });
  const interviewId = positionals[0];
  if (!interviewId) {
    process.stderr.write('usage: screenline rescore <interviewId> [--rubric id@version] [--email]\n');
    return 2;
  }
  if (values.rubric && !rubrics().get(values.rubric)) {
    process.stderr.write(`rescore: rubric ${values.rubric} is not in rubrics/ (known: ${rubrics().all().map((r) => r.ref).join(', ')})\n`);
    return 2;
  }
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  const queue = new InProcessQueue(log);
  try {
    const view = await store.interviews.get(interviewId);
    if (!view) {
      process.stderr.write(`rescore: interview ${interviewId} not found in ${store.describe()}\n`);
      return 1;
    }
    registerJobHandlers(queue, { store, log, config });
    const { revision } = await enqueueRescore(queue, store, { interviewId, rubric: values.rubric, notify: values.email });
    out(`rescoring interview ${interviewId} into revision ${revision}${values.rubric ? ` with rubric ${values.rubric}` : ' with its pinned rubric'} …`);
    const repo = repoOf(store);
    const until = Date.now() + Number(values['timeout-sec']) * 1000;
    for (;;) {
      const score = await repo.latestInterviewScore(interviewId);
      const report = score && score.revision === revision ? await repo.reportForScore(score.id) : null;
      if (score && report) {
        const sc = score.scorecard as { decision: { band: { label: string }; confidenceLabel: string }; scorer: { label: string } };
        out(`revision ${revision}: ${sc.decision.band.label} (confidence ${sc.decision.confidenceLabel}); rubric ${score.rubricId}@${score.rubricVersion}; ${sc.scorer.label}`);
        out(`scorecard PDF: artifact ${report.artifactId} (GET /api/interviews/${interviewId}/report.pdf)`);
        return 0;
      }
      const failed = (await store.events.list(interviewId, { types: ['job.failed'] })).find((e) => e.payload.jobId === `score-interview-${interviewId}-r${revision}`);
      if (failed) {
        process.stderr.write(`rescore failed: ${String(failed.payload.error)}\n`);
        return 1;
      }
      if (Date.now() > until) {
        process.stderr.write('rescore: timed out waiting for the new scorecard\n');
        return 1;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await queue.close(5000);
    await store.close();
  }
}
