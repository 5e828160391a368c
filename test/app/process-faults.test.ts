/**
 * Defence in depth behind per-call containment, in a real server process: an unhandled rejection is logged with
 * the call's correlation ids and counted, and the process keeps serving; an uncaught exception drains and exits
 * non-zero so the supervisor restarts the process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

async function waitFor(fn: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('process-level fault policy', () => {
  let dataDir = '';
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('unhandled rejection: logged with the call ids, counted, still serving; uncaught exception: drains and exits 1', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-faults-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/process-faults.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DRAIN_TIMEOUT_MS: '2000', API_TOKEN: 'sl_test_token_0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => /READY (http:\/\/\S+)/.test(out), 60_000);
    const url = /READY (http:\/\/\S+)/.exec(out)![1]!;

    child.kill('SIGUSR1');
    await waitFor(() => out.includes('unhandled promise rejection'), 10_000);
    const line = out.split('\n').find((l) => l.includes('unhandled promise rejection'))!;
    expect(JSON.parse(line)).toMatchObject({ interviewId: 'iv-fault-test', callSid: 'CAfaulttest', err: { message: 'floating boom' } });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer sl_test_token_0123456789' } })).text();
    expect(metrics).toMatch(/^screenline_unhandled_rejections_total 1$/m);

    child.kill('SIGUSR2');
    expect(await exit).toBe(1);
    expect(out).toMatch(/uncaught exception: draining live calls, then exiting for a restart/);
    expect(out).toMatch(/"msg":"draining"/);
  }, 90_000);
});
