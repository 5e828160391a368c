/**
 * The chaos seeds: concurrent simulated calls through the real media socket, each ended at a seeded random point
 * (opening, caller speaking, mid-reply, barge-in pause, tool call, STT reconnect) by stop, a dropped socket or
 * garbage frames, with random provider faults (STT drop, LLM error and stall, TTS 5xx and stall). Run as the CLI in
 * a child process: it must pass its checks and then exit by itself (a leaked timer or socket would hang it).
 */
import { describe, it } from 'vitest';
import { spawn } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;
const SEEDS = [3, 8];
const CALLS = 8;

function runChaosCli(seed: number): Promise<{ code: number | null; out: string; exitedByItself: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', '--calls', String(CALLS), '--seed', String(seed), '--json'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let killed = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    // Generous: the run itself takes well under a minute; only a hang (something left running) gets here.
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 180_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, exitedByItself: !killed });
    });
  });
}

// The seeds run side by side (each is a process of its own, mostly waiting on real-time audio).
describe.concurrent('chaos: one call never takes down another', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${CALLS} concurrent calls ended at random points with random faults`, async ({ expect }) => {
      const { code, out, exitedByItself } = await runChaosCli(seed);
      expect(out).toMatch(/PASS: every call ended in its own handler/);
      const json = JSON.parse(/^CHAOS_JSON (.*)$/m.exec(out)?.[1] ?? '{}') as { healthFailures: number; liveCallsAfter: number; gaugeAfter: number; problems: string[]; callCount: number };
      expect(json).toMatchObject({ healthFailures: 0, liveCallsAfter: 0, gaugeAfter: 0, problems: [], callCount: CALLS });
      expect(exitedByItself).toBe(true);
      expect(code).toBe(0);
    }, 200_000);
  }
});
