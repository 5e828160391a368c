/**
 * Server-side verification of a candidate's code: Pyodide under Node in a fresh child process per run (never reused
 * across submissions), started with an empty environment, an empty temporary working directory, no network namespace
 * (`unshare -n`, where the OS allows it), Node's permission model (reads only the Pyodide package and the runner; no
 * writes, no child processes, no workers), WebAssembly memory capped with `--wasm-max-mem-pages`, the JS heap with
 * `--max-old-space-size`, and a wall-clock SIGKILL timer. The child never receives expected values: it returns each
 * test's output and this process compares, so the verdict cannot be forged from inside.
 *
 * A small pool of children is started ahead, each used for exactly one submission, and every child starts from a memory
 * snapshot of a freshly initialised Pyodide (snapshot.ts): ~0.4 s instead of ~3 s, so even a child started for the
 * run answers within the budget.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HARNESS_PY } from '../harness.js';
import { discardSnapshot, pyodideSnapshot, type SnapshotSpec } from './snapshot.js';
import { outputMatches } from '../compare.js';
import type { Problem, ProblemTest } from '../problems.js';

export type Verdict = 'passed' | 'failed' | 'error' | 'timeout' | 'memory' | 'forbidden' | 'crashed';
export type TestStatus = 'pass' | 'fail' | 'error' | 'timeout' | 'memory' | 'forbidden' | 'not_run';

export interface TestError {
  type: string;
  message: string;
  traceback?: string;
  line?: number;
}

export interface VerifiedTest {
  name: string;
  hidden: boolean;
  status: TestStatus;
  ms?: number;
  /** Visible tests only: the output (canonical JSON) and what was expected. Hidden tests never reveal either. */
  output?: string;
  expected?: unknown;
  error?: TestError;
  stdout?: string;
  stderr?: string;
}

export interface VerifyResult {
  verdict: Verdict;
  passed: number;
  total: number;
  tests: VerifiedTest[];
  /** What stopped the run, in words ("ran longer than 5000 ms", "not allowed in this sandbox: importing js"). */
  reason?: string;
  /** Escape routes the sandbox refused (the harness's audit hook). */
  violations: string[];
  /** The code did not compile or define the entry function. */
  setupError?: TestError;
  /** Whole wall time of this verification, queueing excluded (ms). */
  durationMs: number;
  /** Time waiting for a free slot (ms). */
  queuedMs: number;
  /** The child had to be started for this run (Pyodide loaded on the critical path). */
  cold: boolean;
  /** The child started from the Pyodide memory snapshot (false: it loaded Pyodide in full). */
  fromSnapshot: boolean;
  isolation: string[];
}

export interface VerifierOptions {
  /** Wall-clock limit for the tests, after Pyodide is ready (default 5000 ms). */
  timeoutMs?: number;
  /** Limit for starting a child and loading Pyodide (default 60 s: a busy 2-core machine). */
  loadTimeoutMs?: number;
  /** WebAssembly memory cap in MiB (default 256). */
  wasmMemoryMb?: number;
  /** JS heap cap in MiB (default 128). */
  heapMb?: number;
  /** Verifications running at once (default 2). Others wait in line. */
  concurrency?: number;
  /** Children kept loaded and waiting (default 1; 0 = start one per run). */
  warm?: number;
  /** Most submissions waiting for a slot before new ones are refused (default 64). */
  maxQueue?: number;
  /**
   * Scheduling priority of the children (`nice`, default 10: about a tenth of a busy core's share): verifications
   * are CPU-bound for seconds and would otherwise take cores from the live calls' event loop.
   */
  niceness?: number;
  /** 'auto' (default): run in a fresh network namespace when `unshare -n` works here; 'off': do not try. */
  networkIsolation?: 'auto' | 'off';
  /** Start children from a memory snapshot of a fresh Pyodide (default true; false loads Pyodide in full each time). */
  snapshot?: boolean;
  /** Where the snapshot is cached (default `<tmpdir>/screenline-pyodide-<uid>`, private to this user). */
  snapshotDir?: string;
  log?: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

export class VerifierBusyError extends Error {
  constructor() {
    super('too many verifications waiting');
    this.name = 'VerifierBusyError';
  }
}

interface ChildMessage {
  type: 'ready' | 'setup' | 'test' | 'done' | 'fatal';
  [k: string]: unknown;
}

/** One child process, loaded and waiting for its one job. */
class Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  readonly messages: ChildMessage[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private listeners: (() => void)[] = [];
  private stderr = '';
  private buffer = '';
  killedByTimer = false;

  constructor(
    command: string,
    args: string[],
    readonly cwd: string,
    loadTimeoutMs: number,
    niceness: number,
  ) {
    this.proc = spawn(command, args, { cwd, env: {}, stdio: ['pipe', 'pipe', 'pipe'], detached: false });
    if (this.proc.pid !== undefined && niceness !== 0) {
      try {
        setPriority(this.proc.pid, niceness);
      } catch {
        // Not permitted here: the child runs at the service's priority.
      }
    }
    this.proc.stdin!.on('error', () => undefined);
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      if (this.buffer.length > 4_000_000) this.kill();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as ChildMessage;
          if (msg && typeof msg.type === 'string') this.messages.push(msg);
        } catch {
          // Not ours: a line the child's code printed straight to stdout. Ignored.
        }
      }
      for (const l of this.listeners) l();
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      if (this.stderr.length < 8000) this.stderr += chunk;
    });
    this.exited = new Promise((res) => {
      this.proc.once('exit', (code, signal) => {
        res({ code, signal });
        for (const l of this.listeners) l();
      });
      this.proc.once('error', () => res({ code: null, signal: null }));
    });
    this.ready = new Promise<void>((res, rej) => {
      const timer = setTimeout(() => {
        this.kill();
        rej(new Error(`the verifier did not load within ${loadTimeoutMs} ms`));
      }, loadTimeoutMs);
      const check = () => {
        if (this.messages.some((m) => m.type === 'ready')) {
          clearTimeout(timer);
          res();
        } else if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          clearTimeout(timer);
          const fatal = this.messages.find((m) => m.type === 'fatal');
          rej(new Error(`the verifier exited while loading: ${String(fatal?.message ?? this.stderr.slice(-300) ?? 'no output')}`));
        }
      };
      this.listeners.push(check);
      this.proc.once('exit', check);
    });
    // A child that failed to load is handled by whoever awaits ready; never an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  get stderrText(): string {
    return this.stderr;
  }

  onChange(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

function findRunner(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'runner.mjs'), resolve(here, '..', '..', '..', 'src', 'workspace', 'verifier', 'runner.mjs')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`verifier: runner.mjs not found (looked in ${candidates.join(', ')})`);
  return found;
}

function findUnshare(): string | undefined {
  for (const p of ['/usr/bin/unshare', '/bin/unshare']) if (existsSync(p)) return p;
  return undefined;
}

/** Which `unshare` flags give this process a private network namespace, if any. */
let probed: { prefix: string[] | undefined } | undefined;

/** Probed once per process (every test app builds a verifier). */
function probeNetworkIsolation(): string[] | undefined {
  probed ??= { prefix: probeOnce() };
  return probed.prefix;
}

function probeOnce(): string[] | undefined {
  const unshare = findUnshare();
  if (!unshare) return undefined;
  for (const flags of [['-n'], ['-r', '-n']]) {
    const r = spawnSync(unshare, [...flags, '--', process.execPath, '-e', '0'], { env: {}, timeout: 5000, stdio: 'ignore' });
    if (r.status === 0) return [unshare, ...flags, '--'];
  }
  return undefined;
}

export class Verifier {
  readonly timeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly niceness: number;
  private readonly concurrency: number;
  private readonly warm: number;
  private readonly maxQueue: number;
  private readonly spec: SnapshotSpec;
  private readonly useSnapshot: boolean;
  readonly isolation: string[];
  private readonly pool: Child[] = [];
  private starting = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  private readonly live = new Set<Child>();

  constructor(private readonly opts: VerifierOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.loadTimeoutMs = opts.loadTimeoutMs ?? 60_000;
    this.niceness = Math.max(0, Math.min(19, Math.trunc(opts.niceness ?? 10)));
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.warm = Math.max(0, opts.warm ?? 1);
    this.maxQueue = opts.maxQueue ?? 64;
    const pages = Math.max(512, Math.floor(((opts.wasmMemoryMb ?? 256) * 1024 * 1024) / 65536));
    const heapMb = opts.heapMb ?? 128;
    const require = createRequire(import.meta.url);
    const pyodideMjs = join(dirname(require.resolve('pyodide/package.json')), 'pyodide.mjs');
    const pyodideDir = dirname(pyodideMjs);
    const runner = findRunner();
    const v8 = ['--no-warnings', `--wasm-max-mem-pages=${pages}`, `--max-old-space-size=${heapMb}`];
    const permissionArgs = ['--experimental-permission', `--allow-fs-read=${pyodideDir}/`, `--allow-fs-read=${runner}`];
    const isolation = [`empty env`, `empty cwd`, `node permission model (read-only: pyodide)`, `wasm memory ≤ ${(pages * 65536) / 1048576} MiB`, `js heap ≤ ${heapMb} MiB`, `SIGKILL after ${this.timeoutMs} ms`];
    const netns = opts.networkIsolation === 'off' ? undefined : probeNetworkIsolation();
    const base = { runner, pyodideMjs, permissionArgs, wasmPages: pages, niceness: this.niceness, timeoutMs: this.loadTimeoutMs, ...(opts.snapshotDir ? { dir: opts.snapshotDir } : {}) };
    if (netns) {
      this.spec = { ...base, command: netns[0]!, prefixArgs: [...netns.slice(1), process.execPath, ...v8] };
      isolation.unshift('no network (own network namespace)');
    } else {
      this.spec = { ...base, command: process.execPath, prefixArgs: v8 };
      isolation.unshift('network NOT isolated (unshare -n unavailable): the audit hook and a stripped global scope only');
    }
    this.isolation = isolation;
    this.useSnapshot = opts.snapshot ?? true;
  }

  describe(): string {
    const start = this.useSnapshot ? 'each started from a memory snapshot of a fresh Pyodide' : 'each loading Pyodide in full';
    return `pyodide in a fresh child process per run (${this.isolation.join('; ')}; ${start}; ${this.concurrency} at a time, ${this.warm} kept warm)`;
  }

  /** Whether children start from the snapshot; makes it now if it is not made yet (the bench waits on this). */
  async snapshotReady(): Promise<boolean> {
    return this.useSnapshot && (await this.snapshotPath()) !== undefined;
  }

  private snapshotPath(): Promise<string | undefined> {
    return this.useSnapshot ? pyodideSnapshot(this.spec, this.opts.log) : Promise.resolve(undefined);
  }

  /** Starts the warm pool (call once at startup; runs in the background). */
  prewarm(): void {
    this.refill();
  }

  get stats() {
    return { running: this.running, waiting: this.waiting.length, warm: this.pool.length, starting: this.starting };
  }

  /** `forPool`: the child will wait for a job, so it warms the interpreter up first (runner.mjs). */
  private async spawnChild(cwd: string, forPool: boolean): Promise<Child> {
    const snap = await this.snapshotPath();
    const { command, prefixArgs, permissionArgs, runner, pyodideMjs } = this.spec;
    const warmUp = snap && forPool ? ['--warm-up'] : [];
    const args = snap
      ? [...prefixArgs, ...permissionArgs, `--allow-fs-read=${snap}`, runner, pyodideMjs, `--snapshot=${snap}`, ...warmUp]
      : [...prefixArgs, ...permissionArgs, runner, pyodideMjs];
    const child = new Child(command, args, cwd, this.loadTimeoutMs, this.niceness);
    this.live.add(child);
    if (snap) {
      child.ready
        .then(async () => {
          if (child.messages.some((m) => m.type === 'ready' && m.snapshot === 'failed')) {
            this.opts.log?.warn({ snapshot: snap }, 'verifier: a child could not start from the Pyodide snapshot; making a new one');
            await discardSnapshot(snap);
          }
        })
        .catch(() => undefined);
    }
    child.exited.then(async () => {
      this.live.delete(child);
      await rm(cwd, { recursive: true, force: true }).catch(() => undefined);
    }).catch(() => undefined);
    return child;
  }

  private refill(): void {
    if (this.closed) return;
    while (this.pool.length + this.starting < this.warm) {
      this.starting++;
      mkdtemp(join(tmpdir(), 'screenline-verify-'))
        .then(async (cwd) => {
          const child = await this.spawnChild(cwd, true);
          if (this.closed) child.kill();
          try {
            await child.ready;
            if (this.closed) child.kill();
            else this.pool.push(child);
          } catch (err) {
            this.opts.log?.warn({ err }, 'verifier: a warm child failed to load');
          }
        })
        .catch((err: unknown) => this.opts.log?.warn({ err }, 'verifier: could not start a warm child'))
        .finally(() => {
          this.starting--;
        });
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.maxQueue) throw new VerifierBusyError();
    await new Promise<void>((res) => this.waiting.push(res));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** Runs the code against the problem's visible and hidden tests. Never throws for anything the code does. */
  async verify(input: { code: string; problem: Problem; hiddenToo?: boolean }): Promise<VerifyResult> {
    if (this.closed) throw new Error('verifier closed');
    const queuedAt = performance.now();
    await this.acquireSlot();
    const startedAt = performance.now();
    try {
      return await this.runOnce(input.code, input.problem, input.hiddenToo ?? true, startedAt - queuedAt);
    } finally {
      this.releaseSlot();
      this.refill();
    }
  }

  private async runOnce(code: string, problem: Problem, hiddenToo: boolean, queuedMs: number): Promise<VerifyResult> {
    const t0 = performance.now();
    const tests: (ProblemTest & { hidden: boolean })[] = [
      ...problem.visible.map((t) => ({ ...t, hidden: false })),
      ...(hiddenToo ? problem.hidden.map((t) => ({ ...t, hidden: true })) : []),
    ];
    let child = this.pool.shift();
    const cold = !child;
    if (!child) child = await this.spawnChild(await mkdtemp(join(tmpdir(), 'screenline-verify-')), false);
    const base = { total: tests.length, queuedMs: Math.round(queuedMs), cold, isolation: this.isolation };
    try {
      await child.ready;
    } catch (err) {
      child.kill();
      return { ...base, fromSnapshot: false, verdict: 'crashed', passed: 0, tests: tests.map((t) => notRun(t)), reason: (err as Error).message, violations: [], durationMs: Math.round(performance.now() - t0) };
    }

    const job = { harness: HARNESS_PY, code, entry: problem.entry, tests: tests.map((t) => ({ name: t.name, args: t.args })) };
    child.proc.stdin!.end(JSON.stringify(job) + '\n');
    const timer = setTimeout(() => {
      child.killedByTimer = true;
      child.kill();
    }, this.timeoutMs);
    let off = () => {};
    await new Promise<void>((res) => {
      const check = () => {
        if (child.messages.some((m) => m.type === 'done' || m.type === 'fatal') || child.proc.exitCode !== null || child.proc.signalCode !== null) res();
      };
      off = child.onChange(check);
      check();
    });
    off();
    clearTimeout(timer);
    // The child exits by itself after `done`; make sure, and never leave it running.
    const exitedSoon = await Promise.race([child.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
    if (!exitedSoon) child.kill();
    const exit = await child.exited;
    const fromSnapshot = child.messages.some((m) => m.type === 'ready' && m.snapshot === 'loaded');
    return { ...base, fromSnapshot, ...this.interpret(child, tests, problem, exit), durationMs: Math.round(performance.now() - t0) };
  }

  private interpret(
    child: Child,
    tests: (ProblemTest & { hidden: boolean })[],
    problem: Problem,
    exit: { code: number | null; signal: NodeJS.Signals | null },
  ): Pick<VerifyResult, 'verdict' | 'passed' | 'tests' | 'reason' | 'violations' | 'setupError'> {
    const violations = new Set<string>();
    const results: VerifiedTest[] = tests.map((t) => notRun(t));
    const setup = child.messages.find((m) => m.type === 'setup');
    for (const v of (setup?.violations as string[] | undefined) ?? []) violations.add(v);
    let stopped: { verdict: Verdict; reason: string } | undefined;
    let setupError: TestError | undefined;

    if (setup && setup.ok === false) {
      setupError = setup.error as TestError;
      const kind = String(setup.kind);
      stopped =
        kind === 'forbidden'
          ? { verdict: 'forbidden', reason: setupError?.message ?? 'not allowed' }
          : kind === 'memory'
            ? { verdict: 'memory', reason: 'ran out of memory while loading the code' }
            : { verdict: 'error', reason: `${setupError?.type ?? 'Error'}: ${setupError?.message ?? ''}`.slice(0, 300) };
    }

    for (const m of child.messages) {
      if (m.type !== 'test') continue;
      const i = Number(m.index);
      const t = tests[i];
      if (!t) continue;
      for (const v of (m.violations as string[] | undefined) ?? []) violations.add(v);
      const r: VerifiedTest = { name: t.name, hidden: t.hidden, status: 'fail', ms: Number(m.ms) };
      if (!t.hidden) {
        r.stdout = String(m.stdout ?? '');
        r.stderr = String(m.stderr ?? '');
        r.expected = t.expected;
      }
      if (m.status === 'returned' && typeof m.output === 'string') {
        r.status = outputMatches(m.output, t.expected, problem.compare) ? 'pass' : 'fail';
        if (!t.hidden) r.output = m.output;
      } else {
        const kind = String(m.status);
        r.status = kind === 'forbidden' ? 'forbidden' : kind === 'memory' ? 'memory' : 'error';
        const err = m.error as TestError | undefined;
        // Hidden tests say what went wrong, not with which input.
        r.error = t.hidden && err ? { type: err.type, message: err.message.slice(0, 200) } : err;
        if (kind === 'forbidden') stopped ??= { verdict: 'forbidden', reason: err?.message ?? 'not allowed' };
        if (kind === 'memory') stopped ??= { verdict: 'memory', reason: 'ran out of memory (WebAssembly memory cap)' };
      }
      results[i] = r;
    }

    const fatal = child.messages.find((m) => m.type === 'fatal');
    const done = child.messages.some((m) => m.type === 'done');
    if (child.killedByTimer) {
      stopped = { verdict: 'timeout', reason: `ran longer than ${this.timeoutMs} ms and was killed` };
      const firstNotRun = results.findIndex((r) => r.status === 'not_run');
      if (firstNotRun >= 0) results[firstNotRun] = { ...results[firstNotRun]!, status: 'timeout' };
    } else if (fatal) {
      const kind = String(fatal.kind);
      stopped = kind === 'memory' ? { verdict: 'memory', reason: 'ran out of memory (WebAssembly memory cap)' } : { verdict: 'crashed', reason: `the run crashed: ${String(fatal.message).slice(0, 200)}` };
    } else if (!done && !stopped) {
      const oom = /heap out of memory|Allocation failed|memory/i.test(child.stderrText);
      stopped = oom
        ? { verdict: 'memory', reason: 'ran out of memory (JS heap cap)' }
        : { verdict: 'crashed', reason: `the run ended abnormally (${exit.signal ?? `exit ${exit.code}`})` };
    }

    const passed = results.filter((r) => r.status === 'pass').length;
    const verdict: Verdict = stopped?.verdict ?? (passed === tests.length ? 'passed' : 'failed');
    return { verdict, passed, tests: results, violations: [...violations], ...(stopped ? { reason: stopped.reason } : {}), ...(setupError ? { setupError } : {}) };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.live) c.kill();
    await Promise.all([...this.live].map((c) => c.exited));
    this.pool.length = 0;
  }
}

function notRun(t: ProblemTest & { hidden: boolean }): VerifiedTest {
  return { name: t.name, hidden: t.hidden, status: 'not_run', ...(t.hidden ? {} : { expected: t.expected }) };
}
