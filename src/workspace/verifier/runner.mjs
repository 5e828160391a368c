// The verification child: one process per submission, never reused. Started by verifier.ts as
//   node --wasm-max-mem-pages=N --max-old-space-size=M --experimental-permission --allow-fs-read=<pyodide> runner.mjs
// with an empty environment, an empty working directory and (where the OS allows) no network namespace. It loads
// Pyodide, says `ready`, reads one job from stdin, and writes one JSON line per test. It never sees expected values:
// the parent compares outputs, so nothing printed here can turn a failing test into a passing one.
import { pathToFileURL } from 'node:url';
import { constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';

// Under Node's permission model process.binding throws; Emscripten's NODEFS only wants the fs constants from it.
process.binding = (name) => {
  if (name === 'constants') return { fs: fsConstants, os: osConstants };
  throw new Error('process.binding is not available here');
};

const { loadPyodide } = await import(pathToFileURL(process.argv[2]).href);

const out = (msg) => process.stdout.write(JSON.stringify(msg) + '\n');

const started = performance.now();
let py;
try {
  // The `js` module Python may import is an empty, frozen, prototype-less object, not globalThis.
  py = await loadPyodide({ jsglobals: Object.freeze(Object.create(null)), stdout: () => {}, stderr: () => {} });
} catch (err) {
  out({ type: 'fatal', kind: 'load', message: String(err && err.message ? err.message : err).slice(0, 500) });
  process.exit(3);
}
// Pyodide's Node shim may leave a `require` on globalThis; the untrusted code must not find one there.
try { delete globalThis.require; } catch { /* ignore */ }
for (const name of ['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource']) {
  try { delete globalThis[name]; } catch { /* ignore */ }
}
out({ type: 'ready', loadMs: Math.round(performance.now() - started) });

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  const nl = input.indexOf('\n');
  if (nl < 0) return;
  const line = input.slice(0, nl);
  input = '';
  process.stdin.pause();
  run(JSON.parse(line));
});

function run(job) {
  try {
    py.globals.set('__job_json', JSON.stringify({ code: job.code, entry: job.entry, tests: job.tests }));
    py.runPython(job.harness);
    const runTest = py.globals.get('__run_test');
    const setup = py.globals.get('__setup');
    const setupResult = JSON.parse(setup());
    out({ type: 'setup', ...setupResult });
    if (!setupResult.ok) {
      out({ type: 'done' });
      process.exit(0);
    }
    for (let i = 0; i < job.tests.length; i++) {
      const t0 = performance.now();
      const res = JSON.parse(runTest(i));
      out({ type: 'test', index: i, ms: Math.round((performance.now() - t0) * 10) / 10, ...res });
      if (res.fatal) break;
    }
    out({ type: 'done' });
    process.exit(0);
  } catch (err) {
    const message = String(err && err.message ? err.message : err);
    out({ type: 'fatal', kind: /memory|Cannot enlarge|grow/i.test(message) ? 'memory' : 'crash', message: message.slice(-500) });
    process.exit(4);
  }
}
