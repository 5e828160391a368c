/**
 * `npm run demo`: a whole phone interview, end to end, on this machine. It starts the service on its own
 * embedded defaults (a separate PGlite under DATA_DIR/demo), then plays the candidate's phone through the Twilio
 * caller simulator over the real phone edge: signed webhook, TwiML, media socket, real-time audio both ways.
 * The candidate is simulated (eSpeak NG voice, scripted words that the Deepgram-protocol simulator "hears");
 * with provider keys in the environment the same run uses the real providers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { buildApp } from '../app.js';
import { localSimulation } from './local-mode.js';
import { banner } from '../server.js';
import { createLogger } from '../lib/logger.js';
import { freePort } from '../lib/free-port.js';
import { buildPlan } from '../interview/plan.js';
import { SimulatedCall, runScript } from '../sim/caller/index.js';
import { registerScript } from '../sim/candidate-script.js';
import { DEMO_CANDIDATE, DEMO_CODING_ANSWER, DEMO_ROLE, demoScript, shortenPlan } from '../sim/demo-script.js';
import { browserCandidateUnavailable, runBrowserCandidate, type BrowserCandidateResult } from '../sim/browser-candidate.js';
import { buildWeb, webBuilt } from '../workspace/web-assets.js';
import { ProblemBank } from '../workspace/problems.js';
import { DEMO_JOB_DESCRIPTION, demoResumePdf } from '../sim/demo-documents.js';
import type { StoredEvent } from '../store/index.js';
import { latencyTable, progressLine, transcript, scoringLines } from './demo-report.js';
import { enqueueEndOfCall, ModelScorer, repoOf } from '../scoring/index.js';
import { simulatedScoringModel } from '../sim/scoring-responder.js';

const out = (line = '') => process.stdout.write(line + '\n');

export async function demo(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'timeout-sec': { type: 'string', default: '240' }, browser: { type: 'boolean', default: false } }, allowPositionals: false });
  const timeoutMs = Number(values['timeout-sec']) * 1000;
  const port = await freePort();
  const dataDir = join(config.dataDir, 'demo');
  const runDir = join(dataDir, 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(runDir, { recursive: true });
  const demoConfig: Config = {
    ...config,
    dataDir,
    port,
    host: '127.0.0.1',
    publicUrl: `http://127.0.0.1:${port}`,
    logLevel: process.env.LOG_LEVEL ? config.logLevel : 'warn',
  };

  out('screenline demo: one complete simulated phone interview through the real phone edge');
  out('starting the service …');
  const plan = shortenPlan(buildPlan({ roleTitle: DEMO_ROLE.title, level: DEMO_ROLE.level, description: DEMO_ROLE.description }));
  const logger = createLogger(demoConfig.logLevel);
  const simulation = await localSimulation(demoConfig, logger);
  // With no model configured, the scorecard comes from a simulated scoring model (labelled as such on it).
  const jobs = config.openai.apiKey || config.openai.baseUrl ? undefined : { scorer: new ModelScorer(simulatedScoringModel()) };
  // The plan is built per call (so it is grounded in the candidate's resume), then cut to one question per stage.
  const app = await buildApp(demoConfig, { logger, interviewer: { adaptPlan: shortenPlan }, simulation, jobs });
  let exitCode = 1;
  const browserStop = new AbortController();
  let browserRun: Promise<BrowserCandidateResult | Error> | undefined;
  try {
    let browserWanted = values.browser === true;
    if (browserWanted) {
      const why = await browserCandidateUnavailable();
      if (why) {
        out(`--browser: ${why}; the demo continues by phone only`);
        browserWanted = false;
      } else if (!webBuilt()) {
        out('--browser: building the workspace page (src/web) …');
        await buildWeb();
      }
    }
    await app.listen({ port, host: '127.0.0.1' });
    out(banner(app, demoConfig, demoConfig.publicUrl).replace(/\n\s+API token.*$/m, ''));
    out(`  interview plan  short demo plan: ${plan.stages.map((s) => s.name).join(' → ')} (one question each)`);
    out();

    const interview = await app.store.interviews.create({
      candidate: DEMO_CANDIDATE,
      role: DEMO_ROLE,
      hiringManagerEmail: 'hiring.manager@example.com',
    });
    // The sample resume (a PDF) and job description the interviewer grounds its questions in.
    const resumeDoc = await app.grounding.ingest(interview.id, 'resume', { bytes: await demoResumePdf(), filename: 'alex-rivera.pdf', contentType: 'application/pdf' });
    await app.grounding.ingest(interview.id, 'role', { text: DEMO_JOB_DESCRIPTION });
    out(`  documents       resume alex-rivera.pdf (${resumeDoc.chunks} passages) and the job description, grounded by ${app.adapters.get('embeddings + vectors') ?? 'full-text search'}`);
    const authToken = app.telephony.authToken;
    if (!authToken) throw new Error('no Twilio auth token to sign the simulated webhooks with');

    const heardWavPath = join(runDir, 'candidate-heard.wav');
    const recordingWavPath = join(runDir, 'call-recording.wav');
    const call = new SimulatedCall({ serverUrl: demoConfig.publicUrl, authToken, interviewId: interview.id, heardWavPath, recordingWavPath });
    const script = demoScript(`demo-${interview.id}`);
    registerScript(call.callSid, script);
    out(`interview ${interview.id}: calling ${DEMO_CANDIDATE.name} (simulated candidate, scripted answers spoken by eSpeak NG)`);

    // Live progress, read from the event log as the recruiter dashboard would.
    const t0 = Date.now();
    let afterSeq = 0;
    const pump = async () => {
      const events = await app.store.events.list(interview.id, { afterSeq });
      for (const e of events) {
        afterSeq = e.seq;
        const line = progressLine(e, t0);
        if (line) out(line);
      }
    };
    const poller = setInterval(() => void pump().catch(() => undefined), 250);

    if (browserWanted) {
      browserRun = runBrowserCandidate({ dataDir, phone: DEMO_CANDIDATE.phone, problems: ProblemBank.load(), artifactsDir: runDir, say: out, signal: browserStop.signal }).catch((err: unknown) =>
        err instanceof Error ? err : new Error(String(err)),
      );
    }
    const dial = await call.start();
    if (dial.outcome !== 'stream') throw new Error(`the service did not connect the call: ${dial.outcome} ${dial.said.join(' ')}`);
    // With --browser the candidate answers the coding question after submitting the exercise in the browser.
    const before = (_line: unknown, index: number, signal: AbortSignal) =>
      browserRun && index === DEMO_CODING_ANSWER
        ? Promise.race([browserRun, new Promise((r) => setTimeout(r, 180_000).unref()), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]).then(() => undefined)
        : undefined;
    const result = await runScript(call, script, { timeoutMs, closingTimeoutMs: 60_000, quietMs: 1200, before });
    if (!call.isEnded) await call.hangup();
    const end = await call.ended;
    // Let the server finish writing the end of the call.
    const until = Date.now() + 10_000;
    while ((await app.store.events.list(interview.id, { types: ['call.ended'] })).length === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(poller);
    await pump();

    // The end of the call triggers scoring, the PDF and the email (idempotent if the call end already did).
    await enqueueEndOfCall(app.queue, { interviewId: interview.id });
    const scoringTimeoutMs = 90_000;
    const scoringUntil = Date.now() + scoringTimeoutMs;
    let outboxRow = (await repoOf(app.store).outboxForInterview(interview.id)).find((r) => r.status === 'sent');
    let jobFailed: StoredEvent | undefined;
    while (!outboxRow && !jobFailed && Date.now() < scoringUntil) {
      await new Promise((r) => setTimeout(r, 200));
      outboxRow = (await repoOf(app.store).outboxForInterview(interview.id)).find((r) => r.status === 'sent');
      jobFailed = (await app.store.events.list(interview.id, { types: ['job.failed'] }))[0];
    }
    await pump();
    const score = await repoOf(app.store).latestInterviewScore(interview.id);
    const report = await repoOf(app.store).latestReport(interview.id);
    const scorecardPath = join(runDir, 'scorecard.pdf');
    if (report) await writeFile(scorecardPath, await app.store.artifacts.read(report.artifactId));

    const events: StoredEvent[] = await app.store.events.list(interview.id, { limit: 5000 });
    await writeFile(join(runDir, 'events.json'), JSON.stringify(events, null, 2));
    const view = await app.store.interviews.get(interview.id);
    const stagesSeen = new Set(events.filter((e) => e.type === 'interview.stage').map((e) => String(e.payload.to)));

    out();
    out('transcript');
    for (const line of transcript(events)) out(line);
    out();
    out('per-turn latency (caller stopped → …)');
    for (const line of latencyTable(events)) out(line);
    out();
    out(`result: interview ${view?.status}; ${result.linesSpoken}/${script.lines.length} candidate lines spoken; call ${end.reason} after ${end.callDurationSec} s`);
    out(`stages: ${[...stagesSeen].join(', ') || '(none)'}`);
    out('artifacts:');
    for (const path of [heardWavPath, recordingWavPath, join(runDir, 'events.json')]) out(`  ${relative(process.cwd(), path)}`);
    out(`  event log: GET /api/interviews/${interview.id}/events (database ${app.store.describe()})`);
    out();
    for (const line of scoringLines({
      scorecard: score?.scorecard as never,
      scorecardPath: report ? relative(process.cwd(), scorecardPath) : undefined,
      emailPath: outboxRow?.location ? relative(process.cwd(), outboxRow.location) : undefined,
      emailTo: outboxRow?.toAddress,
      failure: jobFailed ? String(jobFailed.payload.error) : outboxRow ? undefined : `no email in the outbox after ${scoringTimeoutMs / 1000} s`,
    })) out(line);
    const scored = Boolean(report && outboxRow);
    let browserOk = true;
    if (browserRun) {
      browserStop.abort(new Error('the call is over'));
      const b = await browserRun;
      const verified = events.filter((e) => e.type === 'code.verified').at(-1);
      browserOk = !(b instanceof Error) && verified?.payload.verdict === 'passed';
      out(
        b instanceof Error
          ? `browser: the simulated candidate's workspace run failed: ${b.message}`
          : `browser: ${b.problemId} submitted; server verdict ${String(verified?.payload.verdict ?? 'none')}; screenshots ${b.screenshots.map((p) => relative(process.cwd(), p)).join(', ')}`,
      );
    }

    const everyStage = plan.stages.every((s) => s.name === 'greeting' || stagesSeen.has(s.name));
    const bargedIn = events.some((e) => e.type === 'bargein.commit');
    const backchannelKept = events.some((e) => e.type === 'agent.speech' && !e.payload.interrupted) && result.linesSpoken === script.lines.length;
    if (view?.status === 'completed' && everyStage && bargedIn && backchannelKept && scored && browserOk) exitCode = 0;
    else out(`demo incomplete: status=${view?.status} everyStage=${everyStage} bargeIn=${bargedIn} linesSpoken=${result.linesSpoken} scored=${scored} browser=${browserOk} (${result.outcome})`);
  } finally {
    browserStop.abort(new Error('the demo is over'));
    if (browserRun) await browserRun;
    await app.close();
  }
  out(exitCode === 0 ? 'demo finished' : 'demo failed');
  return exitCode;
}
