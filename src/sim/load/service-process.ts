/**
 * The service under load: `screenline serve` in its own process (a cluster primary and its workers when
 * WEB_CONCURRENCY > 1), its CPU and RSS read from /proc for the whole process tree, and its /metrics scraped over a
 * fresh connection each time so that, behind the cluster's round-robin, every worker gets sampled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface ServiceProcess {
  child: ChildProcess;
  ready: Promise<void>;
  output(): string;
  /** SIGTERM (the primary forwards it), then true if it exited 0 by itself within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<boolean>;
}

/**
 * Where the service runs from: `dist` is the compiled build the container image runs (`node dist/cli.js`), `src` the
 * TypeScript through tsx's loader (no build step; its transform cache and source maps cost each process ~15 MB of
 * heap and ~100 MB of RSS, which would be measured as the service's).
 */
export type ServiceFrom = 'src' | 'dist';

/**
 * The command that runs `file args` on the CPUs `cpus` (a taskset list such as "0" or "0,1"; undefined: anywhere).
 * taskset execs the command, so the child's pid is the command's own, and its children inherit the affinity.
 */
export function withAffinity(cpus: string | undefined, file: string, args: string[]): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, file, ...args]] : [file, args];
}

/** `serve` (ready once every web process printed its banner) or `worker` (ready once it printed its own). */
export function startService(
  env: Record<string, string>,
  command: 'serve' | 'worker' = 'serve',
  opts: { nodeFlags?: string[]; from?: ServiceFrom; logFile?: string; cpus?: string } = {},
): ServiceProcess {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const entry = opts.from === 'dist' ? ['dist/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];
  // Node flags on the command line, not NODE_OPTIONS (which refuses --cpu-prof); cluster workers inherit execArgv.
  const [file, args] = withAffinity(opts.cpus, process.execPath, [...(opts.nodeFlags ?? []), ...entry, command]);
  const child = spawn(file, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Everything the service printed (its logs, `--trace-gc`), kept whole for reading after the run.
  const logStream = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  if (logStream) {
    child.stdout!.pipe(logStream, { end: false });
    child.stderr!.pipe(logStream, { end: false });
    child.once('exit', () => logStream.end());
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const workers = Number(env.WEB_CONCURRENCY ?? '1');
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 400_000) out = out.slice(-200_000);
      // One banner per serving process.
      if (command === 'worker' ? /screenline worker/.test(out) : (out.match(/listening on/g)?.length ?? 0) >= Math.max(1, workers)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`the service exited (${code}) before listening: ${out.slice(-1500)}`))).catch(() => undefined);
    setTimeout(() => reject(new Error(`the service did not start within 120 s: ${out.slice(-1500)}`)), 120_000).unref();
  });
  return {
    child,
    ready,
    output: () => out,
    async stop(timeoutMs = 40_000) {
      if (child.exitCode !== null) return false;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code === 0;
    },
  };
}

/** All pids in the tree under `root` (inclusive), from /proc. */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(name));
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of parents.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** CPU seconds (user + system) and RSS bytes of one pid; undefined once it is gone. */
export async function procUsage(pid: number): Promise<{ cpuSec: number; rssBytes: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the full line)
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
    return { cpuSec: ticks / 100, rssBytes: Number(statm.split(' ')[1]) * 4096 };
  } catch {
    return undefined;
  }
}

/**
 * CPU and RSS of the whole tree, and `callRssBytes`: the RSS of the processes that hold calls (the `serve` primary
 * and its web workers), without their helpers (the verifier's Pyodide children, each ~185 MB and replaced after every
 * run; the document parser). Those are a per-process cost, not a per-call one, and their coming and going is noise
 * far larger than a call's memory.
 */
export async function treeUsage(root: number): Promise<{ cpuSec: number; rssBytes: number; callRssBytes: number; processes: number; pids: number[]; callPids: number[] }> {
  let cpuSec = 0;
  let rssBytes = 0;
  let callRssBytes = 0;
  const pids: number[] = [];
  const callPids: number[] = [];
  for (const pid of await processTree(root)) {
    const u = await procUsage(pid);
    if (!u) continue;
    cpuSec += u.cpuSec;
    rssBytes += u.rssBytes;
    pids.push(pid);
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (/\bcli\.(js|ts)\0serve\b/.test(cmdline)) {
      callRssBytes += u.rssBytes;
      callPids.push(pid);
    }
  }
  return { cpuSec, rssBytes, callRssBytes, processes: pids.length, pids, callPids };
}

export interface MetricsSample {
  atEpochMs: number;
  /** Identifies the worker that answered (its start time). */
  worker: string;
  /** Event-loop lag p99 / max since that worker's previous scrape, ms, the monitor's resolution removed. */
  lagP99Ms: number;
  lagMaxMs: number;
  liveCalls: number;
}

/** GET /metrics over a new connection (no keep-alive, so the cluster may hand it to any worker). */
export function scrapeMetrics(url: string, bearer: string): Promise<MetricsSample | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/metrics`, { agent: false, headers: { authorization: `Bearer ${bearer}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(undefined);
        const num = (name: string) => {
          const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(body);
          return m ? Number(m[1]) : NaN;
        };
        const min = num('screenline_nodejs_eventloop_lag_min_seconds');
        // The monitor reports whole timer intervals (its 10 ms resolution included); never remove more than that.
        const floor = Number.isFinite(min) ? Math.min(min, 0.01) : 0.01;
        resolve({
          atEpochMs: Date.now(),
          worker: String(num('screenline_process_start_time_seconds')),
          lagP99Ms: Math.max(0, (num('screenline_nodejs_eventloop_lag_p99_seconds') - floor) * 1000),
          lagMaxMs: Math.max(0, (num('screenline_nodejs_eventloop_lag_max_seconds') - floor) * 1000),
          liveCalls: num('screenline_live_calls') || 0,
        });
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}
