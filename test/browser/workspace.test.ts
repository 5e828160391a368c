/**
 * The candidate's workspace in real Chromium against the real server: the texted link from the SMS outbox, the IDE
 * the interviewer opened, a run in the browser, a submission verified on the server, a reload that keeps the code,
 * an infinite loop stopped in the browser and killed on the server. Screenshots go to test-artifacts/workspace/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { buildWeb } from '../../src/workspace/web-assets.js';
import { readOutbox, linkInBody } from '../../src/workspace/sms.js';
import { Verifier } from '../../src/workspace/verifier/verifier.js';
import { ARTIFACTS, hasChromium, launch } from './browser.js';

const PHONE = '+14155550142';
const SOLUTION = [
  'def two_sum(nums, target):',
  '    seen = {}',
  '    for j, n in enumerate(nums):',
  '        if target - n in seen:',
  '            return [seen[target - n], j]',
  '        seen[n] = j',
  '    return []',
].join('\n');
const WRONG = 'def two_sum(nums, target):\n    print("first guess")\n    return [0, 1]\n';
const LOOP = 'def two_sum(nums, target):\n    while True:\n        try:\n            pass\n        except BaseException:\n            pass\n';

describe.skipIf(!hasChromium)('workspace in Chromium', () => {
  let t: ListeningApp;
  let b: Awaited<ReturnType<typeof launch>>;
  let context: BrowserContext;
  let page: Page;
  let interviewId: string;
  let link: string;
  const verifier = new Verifier({ timeoutMs: 3000, concurrency: 2, warm: 1 });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const setCode = async (code: string) => {
    await page.click('[data-testid="ide-editor"] .view-lines');
    await page.keyboard.press('Control+A');
    // A real paste event (Monaco keeps pasted text as is; typed text would be auto-indented).
    await page.evaluate((text) => {
      const target = document.activeElement ?? document.querySelector('[data-testid="ide-editor"] textarea');
      const data = new DataTransfer();
      data.setData('text/plain', text);
      target!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, code);
    await page.waitForFunction((first) => document.querySelector('[data-testid="ide-editor"]')?.textContent?.replace(/\u00a0/g, ' ').includes(first), code.split('\n')[1]!.trim().slice(0, 12));
  };
  const events = async (type: string) => (await t.store.events.list(interviewId, { types: [type] })).map((e) => e.payload);

  beforeAll(async () => {
    await buildWeb();
    t = await startListeningApp({ WORKSPACE_GRACE_MS: '60000' }, { workspace: { verifier } });
    const iv = await t.store.interviews.create({ candidate: { name: 'Ada Lovelace', phone: PHONE }, role: { title: 'Backend Engineer', level: 'junior' } });
    interviewId = iv.id;
    b = await launch();
    context = b.context;
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
    await verifier.close();
  });

  it('texts the link (outbox), and the page shows the binding code while it waits', async () => {
    const sent = await t.app.workspace.sendLink({ interviewId, tenantId: 'default', to: PHONE, reason: 'consent' });
    expect(sent.delivered).toBe(true);
    const [sms] = await readOutbox(t.dataDir, { to: PHONE });
    expect(sms!.body).toMatch(/Reply STOP to opt out/);
    link = linkInBody(sms!.body)!;
    expect(link).toBe(sent.url);
    expect(link.startsWith(`${t.url}/w/`)).toBe(true);
    const [ev] = await events('sms.sent');
    expect(JSON.stringify(ev)).not.toContain(link.split('/w/')[1]);

    const res = await page.goto(link);
    expect(res!.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(res!.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(res!.headers()['referrer-policy']).toBe('no-referrer');
    await page.waitForSelector('[data-testid="workspace-status"][data-state="open"]');
    const code = await page.textContent('[data-testid="binding-code"]');
    expect(code).toMatch(/^\d{4}$/);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await shot('1-waiting');
    expect((await events('workspace.opened')).length).toBe(1);
    expect(await events('workspace.binding')).toEqual([expect.objectContaining({ status: 'shown' })]);
    expect((await t.app.workspace.confirmBinding(interviewId, code!.split('').join(' '))).ok).toBe(true);
    await page.waitForSelector('.binding.bound');
  }, 60_000);

  it('shows the IDE the interviewer opens, with its problem', async () => {
    const opened = await t.app.workspace.openSurface(interviewId, { kind: 'ide', problemId: 'two-sum' });
    expect(opened).toMatchObject({ ok: true, delivered: true });
    await page.waitForSelector('[data-testid="surface-ide"][data-problem="two-sum"]');
    expect(await page.textContent('[data-testid="problem-title"]')).toBe('Two numbers that add up');
    await page.waitForSelector('[data-testid="ide-editor"] .view-lines');
    await page.waitForSelector('[data-testid="ide-run"]:not([disabled])', { timeout: 60_000 });
    await shot('2-ide-open');
  }, 90_000);

  it('runs a wrong solution in the browser and shows per-test pass/fail with stdout', async () => {
    await setCode(WRONG);
    await page.click('[data-testid="ide-run"]');
    await page.waitForSelector('[data-testid="ide-test-row"]');
    const statuses = await page.$$eval('[data-testid="ide-test-row"]', (rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(statuses).toEqual(['pass', 'fail', 'pass']);
    expect(await page.textContent('[data-testid="ide-results"]')).toContain('first guess');
    await shot('3-run-failing');
    await expect.poll(async () => (await events('code.run')).length).toBe(1);
    expect((await events('code.run'))[0]).toMatchObject({ passed: 2, total: 3, failing: ['pair at the end'] });
  }, 60_000);

  it('runs and submits a correct solution; the server verifies it (code.verified in the log)', async () => {
    await setCode(SOLUTION);
    await page.click('[data-testid="ide-run"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="ide-score"]')?.textContent?.startsWith('3 / 3'));
    await page.click('[data-testid="ide-submit"]');
    await page.waitForSelector('[data-testid="ide-verified"][data-verdict="passed"]', { timeout: 60_000 });
    await shot('4-submitted-verified');
    const [verified] = await events('code.verified');
    expect(verified).toMatchObject({ problemId: 'two-sum', verdict: 'passed', passed: 6, total: 6 });
    const [submitted] = await events('code.submitted');
    expect(submitted).toMatchObject({ code: SOLUTION, browser: { passed: 3, total: 3 } });
    expect(t.app.workspace.summary(interviewId)).toMatch(/ran the visible tests: 3 of 3 pass.*submitted: all 6 tests pass/);
    expect((await events('integrity.paste')).at(-1)).toMatchObject({ chars: SOLUTION.length, lines: 7 });
  }, 90_000);

  it('keeps the code and the verified result across a reload', async () => {
    await page.waitForTimeout(900); // the editor saves 600 ms after the last change
    await page.reload();
    await page.waitForSelector('[data-testid="surface-ide"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="ide-editor"]')?.textContent?.replace(/\u00a0/g, ' ').includes('seen[target - n]'));
    await page.waitForSelector('[data-testid="ide-verified"][data-verdict="passed"]');
    await shot('5-after-reload');
    const opened = await events('workspace.opened');
    expect(opened.at(-1)).toMatchObject({ resumed: true });
  }, 60_000);

  it('stops an infinite loop in the browser (restart when the interrupt is ignored) and kills it on the server', async () => {
    await setCode(LOOP);
    await page.waitForSelector('[data-testid="ide-run"]:not([disabled])', { timeout: 60_000 });
    await page.click('[data-testid="ide-run"]');
    await page.waitForSelector('[data-testid="ide-interrupt"]:not([disabled])');
    await page.waitForTimeout(500);
    await shot('6-loop-running');
    await page.click('[data-testid="ide-interrupt"]');
    // Either the KeyboardInterrupt lands outside the candidate's `try`, or it is swallowed and the worker is
    // terminated and restarted 1.5 s later: both end the run.
    await page.waitForSelector('[data-testid="ide-results"][data-outcome="interrupted"], [data-testid="ide-results"][data-outcome="restarted"]', { timeout: 15_000 });
    await shot('7-loop-stopped-in-browser');
    await page.waitForSelector('[data-testid="ide-run"]:not([disabled])', { timeout: 60_000 });
    await page.click('[data-testid="ide-submit"]');
    await page.waitForSelector('[data-testid="ide-verified"][data-verdict="timeout"]', { timeout: 60_000 });
    await shot('8-loop-killed-on-server');
    const verified = await events('code.verified');
    expect(verified.at(-1)).toMatchObject({ verdict: 'timeout', reason: expect.stringMatching(/killed/) });
  }, 120_000);

  it('a second page takes over; the first is told', async () => {
    const second = await context.newPage();
    await second.goto(link);
    await second.waitForSelector('[data-testid="workspace-status"][data-state="open"]');
    await page.waitForSelector('[data-testid="workspace-status"][data-state="taken_over"]');
    await shot('9-taken-over');
    await second.close();
  }, 60_000);

  it('shows a friendly page for a tampered link and for a link after the interview ended', async () => {
    const tampered = link.slice(0, -3) + (link.endsWith('AAA') ? 'BBB' : 'AAA');
    const res = await page.goto(tampered);
    expect(res!.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('This link does not work');
    expect(await page.content()).not.toMatch(/stack|Error:|at .*\.ts/);
    await shot('10-link-tampered');
  }, 30_000);
});
