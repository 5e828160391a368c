// The main-thread side of the Python worker: start it, run the visible tests with a time limit, interrupt a run
// (SharedArrayBuffer → KeyboardInterrupt, needs cross-origin isolation) and terminate-and-restart when the code
// ignores the interrupt.
import { outputMatches, type Compare } from '../../workspace/compare';
import type { WorkerIn, WorkerOut } from './pyodide.worker';

export interface RunTest {
  name: string;
  status: 'pass' | 'fail' | 'error' | 'interrupted' | 'timeout' | 'not_run';
  ms?: number;
  output?: string;
  expected: unknown;
  stdout?: string;
  stderr?: string;
  error?: { type: string; message: string; traceback?: string };
}

export interface RunResult {
  outcome: 'completed' | 'interrupted' | 'timeout' | 'error' | 'restarted';
  passed: number;
  total: number;
  tests: RunTest[];
  setupError?: { type: string; message: string; traceback?: string };
  durationMs: number;
  note?: string;
}

export type RunnerState = 'loading' | 'ready' | 'running' | 'failed';

const INDEX_URL = '/w/pyodide/';

export class PythonRunner {
  private worker!: Worker;
  private buffer?: Uint8Array;
  private readyPromise!: Promise<void>;
  private nextId = 1;
  private pending?: { id: number; resolve: (m: Extract<WorkerOut, { type: 'result' }> | null) => void };
  private interruptTimer?: ReturnType<typeof setTimeout>;
  private killedFor?: 'interrupted' | 'timeout';
  state: RunnerState = 'loading';
  onState?: (s: RunnerState) => void;

  constructor(private readonly limitMs = 8000) {
    this.start();
  }

  get canInterruptSoftly(): boolean {
    return Boolean(this.buffer);
  }

  private setState(s: RunnerState) {
    this.state = s;
    this.onState?.(s);
  }

  private start() {
    this.setState('loading');
    this.worker = new Worker(new URL('./pyodide.worker.ts', import.meta.url), { type: 'module', name: 'python' });
    this.buffer = typeof SharedArrayBuffer !== 'undefined' && self.crossOriginIsolated ? new Uint8Array(new SharedArrayBuffer(1)) : undefined;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.worker.onmessage = (e: MessageEvent<WorkerOut>) => {
        const m = e.data;
        if (m.type === 'ready') {
          this.setState('ready');
          resolve();
        } else if (m.type === 'load_failed') {
          this.setState('failed');
          reject(new Error(m.message));
        } else if (m.type === 'result' && this.pending?.id === m.id) {
          const p = this.pending;
          this.pending = undefined;
          p.resolve(m);
        }
      };
      this.worker.onerror = (e) => {
        e.preventDefault();
        if (this.state === 'loading') {
          this.setState('failed');
          reject(new Error(e.message || 'the Python worker failed to start'));
        }
      };
    });
    this.readyPromise.catch(() => undefined);
    this.worker.postMessage({ type: 'init', indexURL: INDEX_URL, interruptBuffer: this.buffer?.buffer as SharedArrayBuffer | undefined } satisfies WorkerIn);
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Ask the running code to stop; if it has not stopped within 1.5 s, kill the worker and start a fresh one. */
  interrupt(reason: 'interrupted' | 'timeout' = 'interrupted'): void {
    if (!this.pending) return;
    this.killedFor = reason;
    if (this.buffer) this.buffer[0] = 2;
    clearTimeout(this.interruptTimer);
    this.interruptTimer = setTimeout(() => this.restart(), this.buffer ? 1500 : 0);
  }

  private restart() {
    this.worker.terminate();
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(null);
    this.start();
  }

  async run(code: string, problem: { entry: string; compare: Compare; visibleTests: { name: string; args: unknown[]; expected: unknown }[] }): Promise<RunResult> {
    await this.readyPromise;
    if (this.buffer) this.buffer[0] = 0;
    this.killedFor = undefined;
    const id = this.nextId++;
    const t0 = performance.now();
    this.setState('running');
    const limit = setTimeout(() => this.interrupt('timeout'), this.limitMs);
    const msg = await new Promise<Extract<WorkerOut, { type: 'result' }> | null>((resolve) => {
      this.pending = { id, resolve };
      this.worker.postMessage({ type: 'run', id, code, entry: problem.entry, tests: problem.visibleTests.map((t) => ({ name: t.name, args: t.args })) } satisfies WorkerIn);
    });
    clearTimeout(limit);
    clearTimeout(this.interruptTimer);
    if (this.state === 'running') this.setState('ready');
    const durationMs = Math.round(performance.now() - t0);
    const tests: RunTest[] = problem.visibleTests.map((t) => ({ name: t.name, status: 'not_run', expected: t.expected }));
    if (!msg) {
      const stuck = tests.findIndex((t) => t.status === 'not_run');
      if (stuck >= 0) tests[stuck]!.status = this.killedFor === 'timeout' ? 'timeout' : 'interrupted';
      return {
        outcome: 'restarted',
        passed: 0,
        total: tests.length,
        tests,
        durationMs,
        note: this.killedFor === 'timeout' ? `stopped after ${this.limitMs / 1000} s; Python was restarted` : 'the code ignored the interrupt; Python was restarted',
      };
    }
    const setup = msg.setup as { ok: boolean; error?: RunResult['setupError']; stdout?: string };
    if (!setup.ok) return { outcome: 'error', passed: 0, total: tests.length, tests, setupError: setup.error, durationMs };
    let outcome: RunResult['outcome'] = 'completed';
    msg.tests.forEach((r, i) => {
      const t = tests[i]!;
      t.ms = r.ms as number;
      t.stdout = r.stdout as string;
      t.stderr = r.stderr as string;
      if (r.status === 'returned') {
        t.output = r.output as string;
        t.status = outputMatches(t.output, t.expected, problem.compare) ? 'pass' : 'fail';
      } else {
        t.status = r.status === 'interrupted' ? 'interrupted' : 'error';
        t.error = r.error as RunTest['error'];
        if (r.status === 'interrupted') outcome = this.killedFor === 'timeout' ? 'timeout' : 'interrupted';
      }
    });
    const passed = tests.filter((t) => t.status === 'pass').length;
    return { outcome, passed, total: tests.length, tests, durationMs };
  }
}
