/**
 * The browser practice line in real Chromium against the real server, with a fake microphone (a WAV of eSpeak
 * speech, looped) and the Deepgram-protocol simulator as speech-to-text: the agent's opening recorded and played,
 * the candidate's speech reaching the simulator (its script fed through the simulator route), a barge-in clearing
 * playback at once, the workspace opening beside the page; and, at the same time on a second page, the typed-answer
 * mode taking an interview to its end. Screenshots go to test-artifacts/practice/.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { buildWeb } from '../../src/workspace/web-assets.js';
import { startDeepgramSim, type DeepgramSim } from '../../src/sim/deepgram-sim.js';
import { DeepgramSpeechToText } from '../../src/providers/deepgram/deepgram-stt.js';
import simulatorRoutes from '../../src/sim/simulator-routes.js';
import { unregisterScript } from '../../src/sim/candidate-script.js';
import { shortenPlan } from '../../src/sim/demo-script.js';
import { speakToPcm16 } from '../../src/providers/local/espeak-tts.js';
import { writeWavPcm16 } from '../../src/audio/wav.js';
import { createLogger } from '../../src/lib/logger.js';
import type { InterviewPlan } from '../../src/interview/plan.js';
import { hasChromium, launch } from './browser.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'practice');
const CONSENT = 'Yes I agree to continue.';
const BARGE_IN = 'Sorry, could you say that again?';
const SCRIPT = [CONSENT, BARGE_IN, 'I like building reliable backend systems.', 'I would add a queue in front of the workers.', 'That is all from me.'];

/** Greeting, one introduction question and the close: a short interview that still walks the whole stage machine. */
const shortPlan = (plan: InterviewPlan): InterviewPlan => {
  const short = shortenPlan(plan);
  return { ...short, stages: short.stages.filter((s) => s.name === 'greeting' || s.name === 'introduction' || s.name === 'close') };
};

/** eSpeak saying the consent line, then silence; Chromium loops the file as the microphone. */
async function fakeMicrophone(dir: string): Promise<string> {
  const rate = 16_000;
  const { samples } = await speakToPcm16(CONSENT, { sampleRateHz: rate });
  // A long gap: the agent's reply to one line is under way (audio playing) when the next one comes.
  const lead = Math.round(rate * 0.3);
  const gap = Math.round(rate * 5.5);
  const pcm = new Int16Array(lead + samples.length + gap);
  pcm.set(samples, lead);
  const path = join(dir, 'candidate.wav');
  await writeFile(path, writeWavPcm16(pcm, rate));
  return path;
}

describe.skipIf(!hasChromium)('practice line in Chromium', () => {
  let t: ListeningApp;
  let sim: DeepgramSim;
  let b: Awaited<ReturnType<typeof launch>>;
  let context: BrowserContext;
  let tmp: string;

  const events = async (id: string, type: string) => (await t.store.events.list(id, { types: [type] })).map((e) => e.payload);
  const practiceLink = async () => {
    const iv = await t.store.interviews.create({ candidate: { name: 'Ada Lovelace', phone: '+14155550142' }, role: { title: 'Backend Engineer', level: 'junior' } });
    const res = await t.app.inject({ method: 'POST', url: `/api/interviews/${iv.id}/practice-link`, headers: t.auth });
    return { interviewId: iv.id, url: res.json<{ url: string }>().url };
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const playback = (page: Page) => page.getByTestId('practice-playback');
  /** On failure: what the log and the page say (the assertion alone rarely tells why a live call stalled). */
  const diagnose = async (page: Page, interviewId: string) => {
    const log = await t.store.events.list(interviewId);
    console.error(log.map((e) => `${e.seq} ${e.type} ${JSON.stringify(e.payload).slice(0, 160)}`).join('\n'));
    const res = await fetch(`${page.url()}/transcript?after=0`);
    console.error('transcript feed', res.status, (await res.text()).slice(0, 600));
    console.error('stt streams', JSON.stringify(sim.stats().map(({ id, callId, open, receivedAudioMs, finals, closeCode }) => ({ id, callId, open, receivedAudioMs, finals, closeCode }))));
    console.error('page lines', await page.locator('[data-testid="practice-transcript"] li').count());
    await shot(page, `failed-${interviewId.slice(0, 8)}`);
    console.error(await page.evaluate(() => JSON.stringify({ ...document.querySelector<HTMLElement>('[data-testid="practice-playback"]')?.dataset, status: document.querySelector('[data-testid="practice-status"]')?.textContent, error: document.querySelector('[data-testid="practice-error"]')?.textContent })));
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    tmp = await mkdtemp(join(tmpdir(), 'screenline-practice-'));
    const [wav] = await Promise.all([fakeMicrophone(tmp), buildWeb()]);
    sim = await startDeepgramSim({});
    const log = createLogger('silent');
    // Both pages come from 127.0.0.1: raise the per-IP page limit the two candidates share here.
    t = await startListeningApp(
      { RATE_LIMIT_PAGES_PER_MINUTE: '600' },
      {
        interviewer: { adaptPlan: shortPlan },
        simulation: {
          stt: new DeepgramSpeechToText({ apiKey: 'simulator', url: sim.url, endpointingMs: 300, log }),
          describe: 'deepgram-protocol simulator (practice test)',
          routes: simulatorRoutes,
          onCallEnded: (callSid) => unregisterScript(callSid),
          close: () => sim.close(),
        },
      },
    );
    b = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows']);
    context = b.context;
    await context.grantPermissions(['microphone'], { origin: t.url });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  describe.concurrent('both modes, side by side', () => {
    it('voice: the opening is played, speech reaches the STT simulator, a barge-in clears playback, the workspace opens beside', async ({ expect }) => {
      const { interviewId, url } = await practiceLink();
      const page = await context.newPage();
      try {
      // The simulator "hears" a scripted candidate: the script for this call goes in through the simulator route,
      // as the caller simulator does it, as soon as the page has its CallSid.
      await page.route(
        (u) => u.pathname.endsWith('/call'),
        async (route) => {
          const response = await route.fetch();
          const body = (await response.json()) as { callSid: string };
          const reg = await fetch(`${t.url}/api/simulator/scripts`, {
            method: 'POST',
            headers: { ...t.auth, 'content-type': 'application/json' },
            body: JSON.stringify({ callSid: body.callSid, lines: SCRIPT.map((text) => ({ text })) }),
          });
          expect(reg.status).toBe(201);
          await route.fulfill({ response, json: body });
        },
      );
      await page.goto(url);
      await expect.poll(() => page.getByTestId('practice-status').getAttribute('data-state')).toBe('ready');
      // No Deepgram key: the page says so plainly and offers typed answers (pre-selected).
      await expect.poll(() => page.getByTestId('practice-offline-notice').textContent()).toMatch(/cannot be transcribed/);
      expect(await page.getByTestId('practice-mode-typed').isChecked()).toBe(true);
      await shot(page, 'voice-1-ready');

      await page.getByTestId('practice-mode-voice').check();
      // The candidate joins muted (the line stays open with silent frames) and listens to the opening.
      await page.getByTestId('practice-mute').click();
      await page.getByTestId('practice-start').click();
      await expect.poll(() => page.getByTestId('practice-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
      const callSid = await page.evaluate(() => document.body.dataset.callSid!);
      await expect.poll(async () => Number(await playback(page).getAttribute('data-frames-received')), { timeout: 10_000 }).toBeGreaterThan(25);
      await shot(page, 'voice-2-opening-playing');

      // The agent's opening, spoken to the end (it cannot be interrupted) and recorded as on the phone.
      await expect.poll(async () => (await events(interviewId, 'agent.speech')).find((e) => e.replyId === 'greeting'), { timeout: 90_000 }).toBeTruthy();
      const [started] = await events(interviewId, 'call.stream_started');
      expect(started).toMatchObject({ callSid, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } });

      // Unmuted, the microphone's speech (8 kHz mu-law from the page) reaches the STT simulator on this call, which
      // transcribes it by the script the simulator route holds for it.
      await page.getByTestId('practice-mute').click();
      await expect.poll(async () => (await events(interviewId, 'transcript.final')).map((e) => e.text), { timeout: 20_000 }).toContain(CONSENT);
      // Every stream this call opened: on a loaded machine the adapter may have dropped a stalled socket and
      // reconnected (replaying its buffer), so the words can arrive on the second stream, not the first.
      const streams = sim.stats().filter((s) => s.callId === callSid);
      expect(streams.length).toBeGreaterThan(0);
      expect(streams.flatMap((s) => s.finals)).toContain(CONSENT);
      for (const s of streams) expect(s.query).toMatchObject({ encoding: 'mulaw', sample_rate: '8000' });
      expect(streams.reduce((ms, s) => ms + s.receivedAudioMs, 0)).toBeGreaterThan(10_000);

      // The agent answers; the looped speech comes again over its audio: barge-in → `clear` → the page stops
      // playback at once (queued sources dropped, nothing playing after).
      await expect.poll(async () => Number(await playback(page).getAttribute('data-clears-while-playing')), { timeout: 40_000 }).toBeGreaterThan(0);
      expect((await events(interviewId, 'bargein.pause')).length).toBeGreaterThan(0);
      const lastClear = JSON.parse((await playback(page).getAttribute('data-last-clear'))!) as { droppedSources: number; playingAfter: boolean };
      expect(lastClear.playingAfter).toBe(false);
      await shot(page, 'voice-3-after-barge-in');
      await expect.poll(async () => (await events(interviewId, 'transcript.final')).map((e) => e.text), { timeout: 15_000 }).toContain(BARGE_IN);
      // Mute again, unless the scripted candidate has already carried the interview to its close (the page hides
      // its live controls then): checked and clicked in one step inside the page, as for the hang-up below.
      await page.evaluate(() => {
        const mute = document.querySelector<HTMLButtonElement>('[data-testid="practice-mute"]');
        if (mute && !mute.hidden) mute.click();
      });
      expect(Number(await playback(page).getAttribute('data-frames-sent'))).toBeGreaterThan(500);

      // The workspace opens beside the practice page.
      const [workspace] = await Promise.all([context.waitForEvent('page'), page.getByTestId('practice-workspace').click()]);
      await workspace.waitForLoadState('load');
      expect(new URL(workspace.url()).pathname).toMatch(/^\/w\/[A-Za-z0-9_-]{43}$/);
      await expect.poll(() => workspace.title(), { timeout: 15_000 }).toMatch(/workspace/i);
      await shot(workspace, 'voice-4-workspace-beside');

      // Hang up, unless the interviewer has closed the interview already. Checked and clicked in one step inside the
      // page: the interview may close between a check from here and a click (the button is hidden then).
      const clicked = await page.evaluate(() => {
        const stop = document.querySelector<HTMLButtonElement>('[data-testid="practice-stop"]');
        if (!stop || stop.hidden) return false;
        stop.click();
        return true;
      });
      await expect.poll(async () => (await events(interviewId, 'call.ended')).length, { timeout: 10_000 }).toBe(1);
      const [ended] = await events(interviewId, 'call.ended');
      // A click can still cross the interviewer's own close on the wire; then the close wins and says so.
      expect(clicked ? ['stop', 'completed'] : ['completed']).toContain(ended!.reason);
      if (clicked) await expect.poll(() => page.getByTestId('practice-status').getAttribute('data-state')).toBe('ended');
      await shot(page, 'voice-5-ended');
      await workspace.close();
      } catch (err) {
        await diagnose(page, interviewId);
        throw err;
      }
      await page.close();
    }, 180_000);

    it('typed: answers typed in place of speech carry the interview to its close', async ({ expect }) => {
      const { interviewId, url } = await practiceLink();
      const page = await context.newPage();
      try {
      await page.goto(url);
      await expect.poll(() => page.getByTestId('practice-status').getAttribute('data-state')).toBe('ready');
      await page.getByTestId('practice-mode-typed').check();
      await page.getByTestId('practice-start').click();
      await expect.poll(() => page.getByTestId('practice-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');

      const agentLines = page.locator('[data-testid="practice-transcript"] li[data-who="agent"]');
      const answers = [CONSENT, 'I enjoy building reliable backend systems and I want to own a platform end to end.', 'No questions from me, thank you.', 'Thanks, goodbye.'];
      let answered = 0;
      // Each time the interviewer finishes a line, type the next answer (as a candidate reading the screen would).
      while (answered < answers.length) {
        await expect.poll(async () => (await agentLines.count()) > answered || (await page.getByTestId('practice-status').getAttribute('data-state')) === 'ended', { timeout: 90_000 }).toBe(true);
        if ((await page.getByTestId('practice-status').getAttribute('data-state')) === 'ended') break;
        if (answered === 0) await shot(page, 'typed-1-opening');
        // The interviewer may close the interview between the check above and the typing (its closing line is the
        // last agent line; the page then disables the input): that is the end of this loop, not a failure.
        const typedIn = await page
          .getByTestId('practice-text-input')
          .fill(answers[answered]!, { timeout: 10_000 })
          .then(() => page.getByTestId('practice-text-input').press('Enter', { timeout: 5_000 }))
          .then(() => true)
          .catch(async (err: unknown) => {
            if ((await page.getByTestId('practice-status').getAttribute('data-state')) === 'ended') return false;
            throw err;
          });
        if (!typedIn) break;
        answered++;
      }
      await expect.poll(async () => (await events(interviewId, 'call.ended')).length, { timeout: 30_000 }).toBe(1);
      const [ended] = await events(interviewId, 'call.ended');
      expect(ended).toMatchObject({ status: 'completed' });
      expect((await t.store.interviews.get(interviewId))?.status).toBe('completed');
      const typed = (await events(interviewId, 'transcript.typed')).map((e) => e.text);
      // Every answer typed while the interview listened is recorded, in order. The last one may have been typed
      // over the closing line, after the interview stopped listening (the page still showed it live): not recorded.
      expect(typed.length).toBeGreaterThanOrEqual(Math.max(2, answered - 1));
      expect(typed).toEqual(answers.slice(0, typed.length));
      const turns = await events(interviewId, 'transcript.turn');
      expect(turns.every((e) => e.endReason === 'typed')).toBe(true);
      expect(await events(interviewId, 'interview.consent')).toContainEqual(expect.objectContaining({ classification: 'yes', action: 'proceed' }));
      await expect.poll(() => page.getByTestId('practice-transcript').getAttribute('data-ended'), { timeout: 5000 }).toBe('completed');
      const shown = await agentLines.allTextContents();
      expect(new Set(shown).size).toBe(shown.length);
      await shot(page, 'typed-2-completed');
      } catch (err) {
        await diagnose(page, interviewId);
        throw err;
      }
      await page.close();
    }, 180_000);
  });
});
