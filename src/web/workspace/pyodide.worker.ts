/// <reference lib="webworker" />
// Python in the browser: Pyodide in a module worker (Pyodide 314 supports no classic workers), loaded from our own
// origin (/w/pyodide/), the stdlib only. Runs the visible tests through the same harness the server uses. The main
// thread can interrupt a run through a SharedArrayBuffer (KeyboardInterrupt) and terminates the worker when that
// is ignored.
import { HARNESS_PY } from '../../workspace/harness';

interface PyodideLike {
  runPython(code: string): unknown;
  globals: { get(name: string): unknown; set(name: string, value: unknown): void };
  setInterruptBuffer(buf: Uint8Array): void;
}

export type WorkerIn =
  | { type: 'init'; indexURL: string; interruptBuffer?: SharedArrayBuffer }
  | { type: 'run'; id: number; code: string; entry: string; tests: { name: string; args: unknown[] }[] };

export type WorkerOut =
  | { type: 'ready'; loadMs: number }
  | { type: 'load_failed'; message: string }
  | { type: 'result'; id: number; setup: Record<string, unknown>; tests: Record<string, unknown>[] };

declare const self: DedicatedWorkerGlobalScope;
let py: PyodideLike | undefined;

self.onmessage = async (e: MessageEvent<WorkerIn>) => {
  const msg = e.data;
  if (msg.type === 'init') {
    const t0 = performance.now();
    try {
      const mod = (await import(/* @vite-ignore */ `${msg.indexURL}pyodide.mjs`)) as { loadPyodide(o: Record<string, unknown>): Promise<PyodideLike> };
      py = await mod.loadPyodide({ indexURL: msg.indexURL, stdout: () => {}, stderr: () => {} });
      if (msg.interruptBuffer) py.setInterruptBuffer(new Uint8Array(msg.interruptBuffer));
      self.postMessage({ type: 'ready', loadMs: Math.round(performance.now() - t0) } satisfies WorkerOut);
    } catch (err) {
      self.postMessage({ type: 'load_failed', message: String((err as Error).message ?? err) } satisfies WorkerOut);
    }
    return;
  }
  if (msg.type === 'run' && py) {
    py.globals.set('__job_json', JSON.stringify({ code: msg.code, entry: msg.entry, tests: msg.tests }));
    py.runPython(HARNESS_PY);
    const setupFn = py.globals.get('__setup') as () => string;
    const runTest = py.globals.get('__run_test') as (i: number) => string;
    const setup = JSON.parse(setupFn()) as Record<string, unknown>;
    const tests: Record<string, unknown>[] = [];
    if (setup.ok) {
      for (let i = 0; i < msg.tests.length; i++) {
        const t0 = performance.now();
        const r = JSON.parse(runTest(i)) as Record<string, unknown>;
        r.ms = Math.round((performance.now() - t0) * 10) / 10;
        tests.push(r);
        if (r.fatal || r.status === 'interrupted') break;
      }
    }
    self.postMessage({ type: 'result', id: msg.id, setup, tests } satisfies WorkerOut);
  }
};
