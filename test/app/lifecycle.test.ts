/** The real CLI as a child process: starts on embedded defaults, serves, drains on SIGTERM, exits 0 by itself. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

function runCli(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function waitFor(fn: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('screenline CLI lifecycle', () => {
  let dataDir = '';
  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serve: prints the adapter lines (speech-to-text simulated outside production), serves /health, drains on SIGTERM and exits 0', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-cli-'));
    const { child, output } = runCli(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const exit = exited(child);
    await waitFor(() => /listening on (http:\/\/\S+)/.test(output()), 60_000);
    const url = /listening on (http:\/\/\S+)/.exec(output())![1]!;
    expect(output()).toMatch(/database\s+pglite at /);
    expect(output()).toMatch(/queue\s+in-process/);
    expect(output()).toMatch(/speech-to-text\s+deepgram-protocol simulator .*scripted candidates only/);
    expect(output()).toMatch(/API token \(new, saved to .*api-token; shown once\): sl_/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('production without DEEPGRAM_API_KEY refuses to start, naming the variable (a simulator never answers a real caller)', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-cli-'));
    const { child, output } = runCli(['serve'], { NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0', API_TOKEN: 'sl_prod_token_0123456789', TWILIO_AUTH_TOKEN: 'x' });
    expect((await exited(child)).code).toBe(1);
    expect(output()).toMatch(/Invalid configuration: DEEPGRAM_API_KEY is required in production/);
    expect(output()).not.toMatch(/listening on/);
  }, 30_000);

  it('a start that fails half-way (the port is taken) says why and exits 1 by itself, not left running unhealthy', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-cli-'));
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const { child, output } = runCli(['serve'], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
      const exit = exited(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      expect(await exit).toEqual({ code: 1, signal: null });
      clearTimeout(timer);
      expect(output()).toMatch(/EADDRINUSE/);
    } finally {
      holder.close();
    }
  }, 60_000);

  it('names a bad variable and exits 1', async () => {
    const { child, output } = runCli(['serve'], { PORT: 'eighty' });
    expect((await exited(child)).code).toBe(1);
    expect(output()).toMatch(/Invalid configuration: PORT must be a whole number/);
  }, 30_000);

  it('migrate applies migrations and exits 0; worker without REDIS_URL explains and exits 0', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-cli-'));
    const m = runCli(['migrate'], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect((await exited(m.child)).code).toBe(0);
    expect(m.output()).toMatch(/migrations applied/);
    const w = runCli(['worker'], { DATA_DIR: dataDir });
    expect((await exited(w.child)).code).toBe(0);
    expect(w.output()).toMatch(/REDIS_URL is not set/);
  }, 60_000);

  it('worker with REDIS_URL starts, then stops cleanly on SIGTERM', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-cli-'));
    const w = runCli(['worker'], { DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', LOG_LEVEL: 'warn' });
    const exit = exited(w.child);
    await waitFor(() => /screenline worker/.test(w.output()) || w.child.exitCode !== null, 30_000);
    expect(w.output()).toMatch(/queue\s+bullmq on redis/);
    w.child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
  }, 60_000);
});
