/**
 * The demo's simulated candidate at their computer (`npm run demo -- --browser`): reads the texted link from the
 * SMS outbox, opens it in headless Debian Chromium (playwright-core), waits for the exercise the interviewer
 * opens, pastes the problem's reference solution (the simulated candidate knows it), runs the visible tests in
 * the browser and submits. The server's verification (`code.verified`) is what the demo then reports.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOutbox, linkInBody, type ProblemBank } from '../workspace/index.js';

export const DEFAULT_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserCandidateOptions {
  dataDir: string;
  phone: string;
  problems: ProblemBank;
  /** Screenshots land here. */
  artifactsDir: string;
  say: (line: string) => void;
  signal: AbortSignal;
  chromiumPath?: string;
  linkTimeoutMs?: number;
}

export interface BrowserCandidateResult {
  problemId: string;
  browserVerdict: string;
  screenshots: string[];
}

/** Why the browser candidate cannot run here, or undefined when it can. */
export async function browserCandidateUnavailable(chromiumPath = DEFAULT_CHROMIUM): Promise<string | undefined> {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath} (install Debian's chromium, or set CHROMIUM_PATH)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed (it is a development dependency: run npm install)';
  }
  return undefined;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });

async function waitForLink(o: BrowserCandidateOptions): Promise<string> {
  const until = Date.now() + (o.linkTimeoutMs ?? 120_000);
  while (Date.now() < until) {
    for (const m of await readOutbox(o.dataDir, { to: o.phone })) {
      const link = linkInBody(m.body);
      if (link) return link;
    }
    await sleep(250, o.signal);
  }
  throw new Error('no workspace link was texted to the candidate');
}

export async function runBrowserCandidate(o: BrowserCandidateOptions): Promise<BrowserCandidateResult> {
  const link = await waitForLink(o);
  o.say(`  (browser) the candidate opens the texted link ${link.replace(/\/w\/.+$/, '/w/…')} in headless Chromium`);
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(join(tmpdir(), 'screenline-demo-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: o.chromiumPath ?? DEFAULT_CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 860 },
    // Offline and quiet: no background connections to Google's hosts from a closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const screenshots: string[] = [];
  const abort = () => void context.close().catch(() => undefined);
  o.signal.addEventListener('abort', abort, { once: true });
  try {
    const page = await context.newPage();
    const shot = async (name: string) => {
      const path = join(o.artifactsDir, `browser-${name}.png`);
      await page.screenshot({ path });
      screenshots.push(path);
    };
    await page.goto(link);
    await page.waitForSelector('[data-testid="workspace-status"][data-state="open"]');
    await shot('1-open');
    // The interviewer opens the exercise when the call reaches it.
    const surface = await page.waitForSelector('[data-testid="surface-ide"][data-problem]', { timeout: 240_000 });
    const problemId = (await surface.getAttribute('data-problem')) ?? '';
    const problem = o.problems.get(problemId);
    if (!problem) throw new Error(`the page opened an unknown problem "${problemId}"`);
    o.say(`  (browser) exercise on screen: ${problem.title}; the candidate writes a solution and runs it`);
    await page.waitForSelector('[data-testid="ide-editor"] .view-lines');
    await page.waitForSelector('[data-testid="ide-run"]:not([disabled])', { timeout: 120_000 });
    await page.click('[data-testid="ide-editor"] .view-lines');
    await page.keyboard.press('Control+A');
    // A real paste event: Monaco keeps pasted text as it is, where typed text would be auto-indented.
    await page.evaluate((text) => {
      const target = document.activeElement ?? document.querySelector('[data-testid="ide-editor"] textarea');
      const data = new DataTransfer();
      data.setData('text/plain', text);
      target?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, problem.reference);
    await page.click('[data-testid="ide-run"]');
    await page.waitForSelector('[data-testid="ide-score"]', { timeout: 60_000 });
    await shot('2-run');
    await page.click('[data-testid="ide-submit"]');
    const verified = await page.waitForSelector('[data-testid="ide-verified"][data-verdict]:not([data-verdict="pending"])', { timeout: 90_000 });
    const browserVerdict = (await verified.getAttribute('data-verdict')) ?? 'unknown';
    await shot('3-verified');
    o.say(`  (browser) submitted; the page shows the server's verdict: ${browserVerdict}`);
    return { problemId, browserVerdict, screenshots };
  } finally {
    o.signal.removeEventListener('abort', abort);
    await context.close().catch(() => undefined);
    await rm(userDataDir, { recursive: true, force: true });
  }
}
