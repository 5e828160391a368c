/**
 * The recruiter dashboard in real Chromium against the real server: sign in with a token, create an interview with
 * a resume upload, watch a simulated phone call's transcript stream into the live view, open the replay, read the
 * scorecard and download the PDF report. Screenshots go to test-artifacts/dashboard/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { TEST_API_TOKEN } from '../helpers/app.js';
import { buildDashboard } from '../helpers/dashboard.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { resumeText, SAMPLE_RESUME } from '../../src/sim/resume-corpus.js';
import { hasChromium, launch } from './browser.js';
import { waitFor } from '../helpers/wait-for.js';
import { MediaRooms } from '../../src/workspace/board/media.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let t: ListeningApp;
  let b: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  let interviewId: string;
  const consoleErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await buildDashboard();
    t = await startListeningApp({ RATE_LIMIT_SIGN_IN_PER_MINUTE: '0' });
    b = await launch();
    page = await b.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    // Nothing may leave the machine: every request the page makes goes to our own origin.
    page.on('request', (r) => {
      if (!r.url().startsWith(t.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) consoleErrors.push(`off-origin request ${r.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('signs in with a token (a wrong one is refused) and shows the interviews list', async () => {
    await page.goto(`${t.url}/dashboard`);
    await page.getByLabel('API token').fill('sl_not_a_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/invalid or revoked/);
    await shot('01-sign-in-refused');
    // The refused sign-in's 401 is the one console error this page is expected to log.
    consoleErrors.length = 0;
    await page.getByLabel('API token').fill(TEST_API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Interviews' }).waitFor();
    const cookies = await b.context.cookies(t.url);
    const session = cookies.find((c) => c.name === 'sl_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('sl_session');
    await shot('02-list-empty');
  });

  it('creates an interview with a resume upload', async () => {
    const resumePath = join(t.dataDir, 'ada-resume.txt');
    await writeFile(resumePath, resumeText(SAMPLE_RESUME));
    await page.getByRole('button', { name: 'New interview' }).click();
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel('Phone (E.164)').fill('+14155550190');
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Title').fill('Senior Backend Engineer');
    await page.getByLabel('Level').fill('senior');
    await page.getByLabel('Resume (PDF, DOCX or text)').setInputFiles(resumePath);
    await shot('03-create-form');
    await page.getByRole('button', { name: 'Create interview' }).click();
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    interviewId = /\/dashboard\/interviews\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const ingested = await t.store.events.list(interviewId, { types: ['grounding.ingested'] });
    expect(ingested[0]?.payload).toMatchObject({ source: 'resume', filename: 'ada-resume.txt' });
    expect((await t.store.interviews.get(interviewId))?.tenantId).toBe('default');
  });

  it("streams a simulated call's transcript into the live view as it happens", async () => {
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId, speed: 2 });
    registerScript(call.callSid, { id: 'dash', lines: [{ text: 'Yes I agree to continue.' }] });
    await call.start();
    await page.getByTestId('live-badge').waitFor({ timeout: 20_000 });
    await call.waitForAgentSpeech({ timeoutMs: 20_000 });
    // The opening has pauses between its sentences: wait for a longer quiet than any of them.
    await call.waitForAgentSilence(2500, { timeoutMs: 60_000 });
    await call.say('Yes I agree to continue.');
    const speech = () => t.store.events.list(interviewId, { types: ['agent.speech', 'transcript.turn'] });
    await waitFor(speech, (e) => e.some((x) => x.type === 'transcript.turn'), 30_000);
    // On the page within moments of being recorded, while the call is still live.
    await page.locator('[data-speaker="candidate"]', { hasText: 'I agree to continue' }).waitFor({ timeout: 5000 });
    await page.locator('[data-speaker="agent"]', { hasText: 'AI interviewer' }).waitFor({ timeout: 5000 });
    expect(await page.getByTestId('live-badge').isVisible()).toBe(true);
    expect((await t.store.interviews.get(interviewId))?.status).toBe('in_progress');
    await shot('04-live-view');
    await call.hangup();
    await page.getByTestId('call-ended').waitFor({ timeout: 20_000 });
    await shot('05b-live-ended');
  }, 120_000);

  it('opens the replay: a timeline of the interview', async () => {
    await page.getByRole('tab', { name: 'Replay' }).click();
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('Interviewer').first().waitFor();
    expect(await timeline.textContent()).toMatch(/I agree to continue/);
    await page.getByText('Call', { exact: true }).click();
    await timeline.getByText('call.ended').waitFor();
    await shot('06-replay');
  }, 60_000);

  it('the replay plays the call audio: an audio element whose source answers 200 with the session cookie', async () => {
    const recorded = await waitFor(() => t.store.events.list(interviewId, { types: ['call.recording'] }), (e) => e.length > 0);
    expect(recorded).toHaveLength(1);
    const audio = page.getByTestId('recording');
    await audio.waitFor({ timeout: 10_000 });
    const src = await audio.getAttribute('src');
    expect(src).toBe(`/api/interviews/${interviewId}/recordings/${String(recorded[0]!.payload.artifactId)}`);
    expect(await audio.getAttribute('controls')).not.toBeNull();
    // Fetched by the page itself: only the session cookie authorises it (no bearer token in the browser).
    const answer = await page.evaluate(async (url) => {
      const res = await fetch(url, { credentials: 'same-origin' });
      return { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
    }, src!);
    expect(answer).toEqual({ status: 200, type: 'audio/wav', bytes: recorded[0]!.payload.bytes });
    // Chromium decoded it: the player knows the call's length.
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration), { timeout: 10_000 }).toBeGreaterThan(1);
    const seconds = await audio.evaluate((el: HTMLAudioElement) => el.duration);
    expect(Math.abs(seconds * 1000 - Number(recorded[0]!.payload.durationMs))).toBeLessThan(100);
    await page.getByTestId('recordings').scrollIntoViewIfNeeded();
    await shot('06b-replay-audio');
  }, 60_000);

  it('the replay shows a board snapshot as a thumbnail the page loads from our origin', async () => {
    // A real PNG (a picture of this page) stored the way the workspace channel stores a board snapshot.
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 640, height: 400 } });
    const media = new MediaRooms({ store: t.store, record: (id, type, payload) => t.store.events.append(id, type, payload as Record<string, unknown>), log: { warn: () => undefined } });
    media.openBoard(interviewId, { id: 'url-shortener', version: 1, title: 'URL shortener', families: [], levels: [], prompt: 'Design a URL shortener.' });
    await media.handle(interviewId, { send: () => undefined }, { type: 'board.snapshot', png: png.toString('base64'), width: 640, height: 400, reason: 'submit' });
    await waitFor(() => t.store.events.list(interviewId, { types: ['board.snapshot'] }), (e) => e.length > 0, 5000);
    await page.reload();
    await page.getByRole('tab', { name: 'Replay' }).click();
    const img = page.getByTestId('timeline-image').locator('img');
    await img.waitFor({ timeout: 15_000 });
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), { timeout: 10_000 }).toBe(640);
    expect(await img.getAttribute('src')).toMatch(new RegExp(`^/api/interviews/${interviewId}/artifacts/`));
    await shot('06c-replay-board-snapshot');
  }, 60_000);

  it('shows the scorecard and downloads the PDF report', async () => {
    await waitFor(() => t.store.events.list(interviewId, { types: ['report.rendered', 'report.skipped', 'job.failed'] }), (e) => e.length > 0, 40_000);
    expect((await t.store.events.list(interviewId, { types: ['report.rendered'] })).length).toBe(1);
    await page.getByRole('tab', { name: 'Scorecard' }).click();
    const link = page.getByTestId('report-download');
    await link.waitFor({ timeout: 20_000 });
    await shot('07-scorecard');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const saved = join(ARTIFACTS, 'report.pdf');
    await download.saveAs(saved);
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(saved)).subarray(0, 5).toString()).toBe('%PDF-');

    // Back on the list: the interview with its status and decision band.
    await page.getByRole('button', { name: '← Interviews' }).click();
    const row = page.getByTestId('interview-row').filter({ hasText: 'Ada Lovelace' });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/incomplete|completed/);
    await shot('08-list');
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
