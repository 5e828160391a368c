/** One Debian Chromium per test file, driven by playwright-core, with the flags that keep it offline and quiet. */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'workspace');

export interface TestBrowser {
  browser: BrowserContext;
  close(): Promise<void>;
}

/** `extraArgs`: more Chromium switches (e.g. the fake-media flags of the practice-line test). */
export async function launch(extraArgs: string[] = []): Promise<{ context: BrowserContext; browser: Browser | null; close(): Promise<void> }> {
  await mkdir(ARTIFACTS, { recursive: true });
  const userDataDir = await mkdtemp(join(tmpdir(), 'screenline-chromium-'));
  // A persistent context is how playwright takes a fresh --user-data-dir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  return {
    context,
    browser: context.browser(),
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
