/**
 * Write-back of the scorecard to each ATS, against local endpoints that speak the vendors' APIs: once per report
 * even when the job runs twice (one after the other and at the same time), retried after a vendor outage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/store.js';
import { createLogger } from '../../src/lib/logger.js';
import { createOrganisationsRepo } from '../../src/ats/organisations.js';
import { createSecretBox } from '../../src/ats/secret-box.js';
import { createAtsRepo } from '../../src/ats/ats-repo.js';
import { writebackJob } from '../../src/ats/writeback.js';
import type { AtsDeps } from '../../src/ats/process.js';
import { atsApplications, type AtsVendor } from '../../src/store/schema-ats.js';
import { repoOf } from '../../src/scoring/pipeline.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import type { JobContext } from '../../src/jobs/queue.js';
import { startAtsSim, type AtsSim } from '../../src/sim/ats-sims.js';
import { testPgliteImage } from '../helpers/pglite-image.js';

let store: Store;
let sim: AtsSim;
let config: Config;
let deps: AtsDeps;
let dataDir: string;
const CALLBACK_SECRET = 'generic-callback-secret-0123456789';

beforeAll(async () => {
  sim = await startAtsSim();
  dataDir = await mkdtemp(join(tmpdir(), 'screenline-wb-'));
  config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'https://screen.example.com',
    GREENHOUSE_API_KEY: 'gh-harvest-key',
    GREENHOUSE_USER_ID: '4321',
    GREENHOUSE_API_BASE_URL: sim.url,
    LEVER_API_KEY: 'lever-key',
    LEVER_USER_ID: 'lever-user-1',
    LEVER_API_BASE_URL: sim.url,
    ASHBY_API_KEY: 'ashby-key',
    ASHBY_API_BASE_URL: sim.url,
    SCREENLINE_WEBHOOK_SECRET: CALLBACK_SECRET,
  });
  store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, pgliteImage: await testPgliteImage() });
  const log = createLogger('silent');
  deps = {
    store,
    queue: new InProcessQueue(),
    log,
    config,
    orgs: createOrganisationsRepo(store.db, config, createSecretBox('test-key-material')),
    repo: createAtsRepo(store.db),
    grounding: { ingest: async () => ({ documentId: 'unused' }) },
  };
});

afterAll(async () => {
  await deps?.queue.close();
  await store?.close();
  await sim?.close();
  await rm(dataDir, { recursive: true, force: true });
});

let n = 0;
/** An ATS-linked interview with a finished scorecard and its rendered report. */
async function scoredInterview(vendor: AtsVendor, callbackUrl: string | null = null) {
  const view = await store.interviews.create({ candidate: { name: 'Ada Lovelace', phone: '+14155550142' }, role: { title: 'Backend Engineer' } });
  const applicationId = `${vendor}-app-${++n}`;
  await store.db.insert(atsApplications).values({ tenantId: 'default', vendor, applicationId, interviewId: view.id, candidateExternalId: `cand-${n}`, callbackUrl });
  const repo = repoOf(store);
  const claim = await repo.claimInterviewScore({ interviewId: view.id, rubricId: 'backend', rubricVersion: 1, scorerVersion: 'test', revision: 1 }, 'scorer', 60_000, { model: null, promptVersion: 'p1', temperature: null });
  const scorecard = { decision: { band: { id: 'advance', label: 'Advance to next round' } }, summary: 'Strong on queues and Postgres; probe system design.' };
  await repo.completeInterviewScore(claim.id, 'scorer', scorecard, 'advance');
  const artifact = await store.artifacts.put({ interviewId: view.id, kind: 'scorecard_pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 test') });
  const { row: report } = await repo.addReport({ interviewId: view.id, interviewScoreId: claim.id, artifactId: artifact.id });
  return { interviewId: view.id, reportId: report.id, applicationId, candidateId: `cand-${n}` };
}

const ctx = (id: string, attempt = 1, attempts = 6): JobContext => ({ id, name: 'ats.writeback', attempt, attempts, signal: new AbortController().signal });

describe('write-back', () => {
  it('Greenhouse: one Harvest note on the candidate with band, summary and dashboard link, however often the job runs', async () => {
    const s = await scoredInterview('greenhouse');
    const data = { interviewId: s.interviewId, reportId: s.reportId };
    await writebackJob(deps, data, ctx('job-1'));
    await writebackJob(deps, data, ctx('job-1-again'));
    // And two at the same time: one claims, the other sees it held or sent.
    await Promise.allSettled([writebackJob(deps, data, ctx('job-a')), writebackJob(deps, data, ctx('job-b'))]);
    const notes = sim.to(`/v1/candidates/${s.candidateId}/activity_feed/notes`);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.headers['on-behalf-of']).toBe('4321');
    expect(notes[0]!.headers.authorization).toBe('Basic ' + Buffer.from('gh-harvest-key:').toString('base64'));
    const body = JSON.parse(notes[0]!.body) as { body: string; user_id: number };
    expect(body.user_id).toBe(4321);
    expect(body.body).toContain('Advance to next round');
    expect(body.body).toContain('probe system design');
    expect(body.body).toContain(`https://screen.example.com/dashboard/interviews/${s.interviewId}`);
    const sent = await store.events.list(s.interviewId, { types: ['ats.writeback_sent'] });
    expect(sent).toHaveLength(1);
    expect((await deps.repo.writebacksFor(s.interviewId))[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('Lever: a note on the opportunity with perform_as; retried after a 503 and still written once', async () => {
    const s = await scoredInterview('lever');
    const data = { interviewId: s.interviewId, reportId: s.reportId };
    sim.failNext(1);
    await expect(writebackJob(deps, data, ctx('lv-1', 1))).rejects.toThrow(/503/);
    expect((await store.events.list(s.interviewId, { types: ['ats.writeback_failed'] }))[0]?.payload).toMatchObject({ final: false });
    await writebackJob(deps, data, ctx('lv-1', 2));
    await writebackJob(deps, data, ctx('lv-1', 3));
    const notes = sim.to(`/v1/opportunities/${s.applicationId}/notes`);
    expect(notes).toHaveLength(2); // the refused one and the one that was written
    expect(notes[1]!.path).toContain('perform_as=lever-user-1');
    expect(JSON.parse(notes[1]!.body).value).toContain('Advance to next round');
    expect(await store.events.list(s.interviewId, { types: ['ats.writeback_sent'] })).toHaveLength(1);
  });

  it('Ashby: candidate.createNote, once', async () => {
    const s = await scoredInterview('ashby');
    await writebackJob(deps, { interviewId: s.interviewId, reportId: s.reportId }, ctx('ab-1'));
    await writebackJob(deps, { interviewId: s.interviewId, reportId: s.reportId }, ctx('ab-2'));
    const notes = sim.to('/candidate.createNote').filter((r) => JSON.parse(r.body).candidateId === s.candidateId);
    expect(notes).toHaveLength(1);
    expect(JSON.parse(notes[0]!.body).note).toMatchObject({ type: 'text/plain' });
  });

  it('generic: the documented callback, signed with X-Screenline-Signature, once', async () => {
    const s = await scoredInterview('generic', `${sim.url}/callback`);
    await writebackJob(deps, { interviewId: s.interviewId, reportId: s.reportId }, ctx('g-1'));
    await writebackJob(deps, { interviewId: s.interviewId, reportId: s.reportId }, ctx('g-2'));
    const calls = sim.to('/callback').filter((r) => JSON.parse(r.body).interviewId === s.interviewId);
    expect(calls).toHaveLength(1);
    const c = calls[0]!;
    const expected = createHmac('sha256', CALLBACK_SECRET).update(`${c.headers['x-screenline-timestamp']}.${c.body}`).digest('hex');
    expect(c.headers['x-screenline-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(c.body)).toMatchObject({ type: 'screenline.scorecard_ready', band: { id: 'advance' }, applicationId: s.applicationId, dashboardUrl: `https://screen.example.com/dashboard/interviews/${s.interviewId}` });
  });

  it('an interview that did not come from an ATS writes nothing', async () => {
    const view = await store.interviews.create({ candidate: { name: 'X', phone: '+14155550100' }, role: { title: 'Y' } });
    const before = sim.requests.length;
    await writebackJob(deps, { interviewId: view.id, reportId: '00000000-0000-4000-8000-000000000000' }, ctx('none'));
    expect(sim.requests.length).toBe(before);
  });
});
