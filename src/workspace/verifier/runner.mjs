// The verification child: one process per submission, never reused. Started by verifier.ts as
//   node --wasm-max-mem-pages=N --max-old-space-size=M --experimental-permission --allow-fs-read=<pyodide> runner.mjs
//     <pyodide.mjs> [--snapshot=<file>]
// with an empty environment, an empty working directory and (where the OS allows) no network namespace. It loads
// Pyodide (from the memory snapshot when given one: snapshot.ts), says `ready`, reads one job from stdin, and writes
// one JSON line per test. It never sees expected values: the parent compares outputs, so nothing printed here can turn
// a failing test into a passing one.
// With `--make-snapshot=<file>` instead, it loads Pyodide, writes the memory snapshot to that file and exits: no job.
import { pathToFileURL } from 'node:url';
import { constants as fsConstants, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

// Under Node's permission model process.binding throws; Emscripten's NODEFS only wants the fs constants from it.
process.binding = (name) => {
  if (name === 'constants') return { fs: fsConstants, os: osConstants };
  throw new Error('process.binding is not available here');
};

const { loadPyodide } = await import(pathToFileURL(process.argv[2]).href);

const out = (msg) => process.stdout.write(JSON.stringify(msg) + '\n');

const flag = (name) => process.argv.slice(3).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const makeSnapshotTo = flag('make-snapshot');
const snapshotFrom = flag('snapshot');
const warmUp = process.argv.includes('--warm-up');

// Run by a child that waits in the pool, before it says `ready`: a child started from the snapshot has run almost no
// Python yet, so V8 has not tiered the interpreter's hot WebAssembly up from its baseline code, and the candidate's
// tests would run several times slower (tens of ms per test instead of a few). It touches only what the harness
// imports anyway, in a namespace of its own that is thrown away.
const WARM_UP_PY = `
def __warm_up():
    import json, io, traceback, time
    d = {}
    for i in range(3000):
        d[str(i)] = [i, i * 2, {"k": str(i)}]
    json.loads(json.dumps(d))
    for i in range(200):
        compile("def f(a, b):\\n    return sorted(a)[:b]\\nx = [f([3, 1, 2], 2) for _ in range(10)]\\n", "<warm-up>", "exec")
    try:
        raise ValueError("warm-up")
    except ValueError:
        io.StringIO(traceback.format_exc()).read()
__warm_up()
`;

// The `js` module Python may import is an empty, frozen, prototype-less object, not globalThis.
const options = () => ({ jsglobals: Object.freeze(Object.create(null)), stdout: () => {}, stderr: () => {} });

const started = performance.now();
let py;
let snapshot = 'none';
try {
  if (makeSnapshotTo) {
    py = await loadPyodide({ ...options(), _makeSnapshot: true });
    const bytes = py.makeMemorySnapshot();
    writeFileSync(makeSnapshotTo, bytes);
    out({ type: 'snapshot', bytes: bytes.length, ms: Math.round(performance.now() - started) });
    process.exit(0);
  }
  if (snapshotFrom) {
    try {
      py = await loadPyodide({ ...options(), _loadSnapshot: readFileSync(snapshotFrom) });
      snapshot = 'loaded';
    } catch {
      // A damaged or foreign snapshot: load in full, and tell the parent so it makes a new one.
      snapshot = 'failed';
    }
  }
  py ??= await loadPyodide(options());
} catch (err) {
  out({ type: 'fatal', kind: 'load', message: String(err && err.message ? err.message : err).slice(0, 500) });
  process.exit(3);
}
if (warmUp) {
  const scratch = py.globals.get('dict')();
  py.runPython(WARM_UP_PY, { globals: scratch });
  scratch.destroy();
  // Tier-up compiles on V8's background threads; give them a moment while nobody is waiting on this child.
  await new Promise((resolve) => setTimeout(resolve, 800));
}
// Pyodide's Node shim may leave a `require` on globalThis; the untrusted code must not find one there.
try { delete globalThis.require; } catch { /* ignore */ }
for (const name of ['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource']) {
  try { delete globalThis[name]; } catch { /* ignore */ }
}
out({ type: 'ready', loadMs: Math.round(performance.now() - started), snapshot });

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
