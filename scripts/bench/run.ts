/**
 * `npm run bench [-- --quick] [-- --levels 1,50,200] [-- --out file.json]`
 *
 * Runs the audio micro-benchmark in this process, then the voice pipeline once per level, each in a fresh child
 * process (node --expose-gc, same tsx loader) so levels do not share heap, JIT or timer state. Prints one table per
 * benchmark with its budget and PASS/OVER, and writes everything to bench-results.json. Budgets are goals: missing
 * one still exits 0; only a crash exits non-zero. No network: everything is in-process.
 */
import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runAudioFrames } from './audio-frames.js';
import { audioTable, BUDGETS, breakdownTable, burstTable, pipelineTable } from './report.js';
import { DEFAULT_LATENCIES } from './sim-providers.js';
import type { PipelineOptions, PipelineResult } from './voice-pipeline.js';
import { groundingTable, run as runGrounding } from './grounding.js';
import { scoringTable, run as runScoring } from './scoring.js';
import { verifyTable, run as runVerify } from './verify.js';
import { fanoutTable, run as runFanout } from './dashboard-fanout.js';
import { atsTable, run as runAts } from './ats-webhooks.js';
import { practiceTable, run as runPractice } from './practice.js';
import { boardTable, run as runBoard } from './board.js';
import { hopTable, run as runHopFloor } from './hop-floor.js';
import { sttSendTable, run as runSttSend } from './stt-send.js';

interface Args {
  quick: boolean;
  levels: number[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, levels: [1, 50, 200], out: 'bench-results.json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--levels') args.levels = value().split(',').map((s) => Number(s.trim()));
    else if (a === '--out') args.out = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--levels 1,50,200] [--out bench-results.json]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (args.levels.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--levels: positive integers, comma-separated');
  return args;
}

function levelOptions(calls: number, quick: boolean): Omit<PipelineOptions, 'onProgress'> {
  const many = calls > 1;
  return quick
    ? { calls, measureMs: 8000, staggerMs: many ? 1500 : 0, settleMs: 500, warmupMs: 1000, drainMs: 1500, latencies: DEFAULT_LATENCIES }
    : { calls, measureMs: 25_000, staggerMs: many ? 4000 : 0, settleMs: 2000, warmupMs: 3000, drainMs: 2500, latencies: DEFAULT_LATENCIES };
}

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const tty = process.stdout.isTTY === true;

/** One level in a child process; progress on one updating line (or one line per phase when not a terminal). */
function runLevel(opts: Omit<PipelineOptions, 'onProgress'>): Promise<PipelineResult> {
  const script = fileURLToPath(new URL('./voice-pipeline.ts', import.meta.url));
  return new Promise((resolvePromise, reject) => {
    const child = fork(script, ['--child', JSON.stringify(opts)], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: PipelineResult | undefined;
    let lastPhase = '';
    child.on('message', (m: { type: string; phase?: string; elapsedMs?: number; totalMs?: number; result?: PipelineResult }) => {
      if (m.type === 'result') result = m.result;
      if (m.type !== 'progress') return;
      const line = `  voice pipeline, ${opts.calls} call${opts.calls === 1 ? '' : 's'}: ${m.phase} ${((m.elapsedMs ?? 0) / 1000).toFixed(0)}/${((m.totalMs ?? 0) / 1000).toFixed(0)} s (total ${elapsed()})`;
      if (tty) process.stdout.write(`\r${line}\x1b[K`);
      else if (m.phase !== lastPhase) console.log(line);
      lastPhase = m.phase ?? '';
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (tty) process.stdout.write('\n');
      if (result) resolvePromise(result);
      else reject(new Error(`voice pipeline at ${opts.calls} calls exited with ${signal ?? code} and no result`));
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cpu = cpus();
  const machine = {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAvg1m: Math.round(loadavg()[0]! * 100) / 100,
  };
  console.log(`screenline bench${args.quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, node ${machine.node}, load ${machine.loadAvg1m}`);
  console.log(`levels: ${args.levels.join(', ')} concurrent calls\n`);

  console.log(`audio frame path… (${elapsed()})`);
  const audio = await runAudioFrames(args.quick ? { frames: 50_000, pacers: 50, pacerSeconds: 1 } : {});
  console.log(`\n${audioTable(audio)}\n`);

  console.log(`provider round trip floor: plain sockets, HTTP clients, our adapters… (${elapsed()})`);
  const hopFloor = await runHopFloor({ quick: args.quick });
  console.log(`\n${hopTable(hopFloor)}\n`);

  console.log(`caller audio → speech-to-text: frame by frame against batched quiet audio… (${elapsed()})`);
  const sttSend = await runSttSend({ quick: args.quick, onProgress: (line) => (tty ? process.stdout.write(`\r${line}\x1b[K`) : console.log(line)) });
  console.log(`\n${sttSendTable(sttSend)}\n`);

  const pipeline: PipelineResult[] = [];
  for (const calls of args.levels) pipeline.push(await runLevel(levelOptions(calls, args.quick)));
  console.log(`\n${pipelineTable(pipeline)}\n`);
  console.log(`${breakdownTable(pipeline)}\n`);
  // The same level again with server-side code verifications running beside the calls (2 at a time, both cores).
  const burstLevel = args.levels.includes(50) ? 50 : args.levels[Math.floor(args.levels.length / 2)]!;
  const withBurst = await runLevel({ ...levelOptions(burstLevel, args.quick), verificationBurst: { concurrency: 2 } });
  console.log(`\n${burstTable(pipeline.find((r) => r.calls === burstLevel)!, withBurst)}\n`);
  console.log(`grounding: retrieval quality, ingest, search… (${elapsed()})`);
  const grounding = await runGrounding({ quick: args.quick });
  console.log(`\n${groundingTable(grounding)}\n`);
  console.log(`scoring: scorecard render, end of call → email… (${elapsed()})`);
  const scoring = await runScoring({ quick: args.quick });
  console.log(`\n${scoringTable(scoring)}\n`);
  console.log(`code verification: cold/warm latency, parallel burst… (${elapsed()})`);
  const verify = await runVerify({ quick: args.quick });
  console.log(`\n${verifyTable(verify)}\n`);
  console.log(`ATS webhooks: burst of signed deliveries over HTTP… (${elapsed()})`);
  const atsWebhooks = await runAts({ quick: args.quick });
  console.log(`\n${atsTable(atsWebhooks)}\n`);
  const atsWebhooksWithJobs = await runAts({ quick: args.quick, jobsDuringBurst: true });
  console.log(`${atsTable(atsWebhooksWithJobs)}\n`);
  console.log(`practice line vs phone path… (${elapsed()})`);
  const practice = await runPractice({ quick: args.quick });
  console.log(`\n${practiceTable(practice)}\n`);
  console.log(`board: scene summary at 50, 500 and 5,000 elements… (${elapsed()})`);
  const board = runBoard({ quick: args.quick });
  console.log(`\n${boardTable(board)}\n`);

  console.log(`dashboard live view: fan-out to 50 viewers… (${elapsed()})`);
  const dashboardFanout = await runFanout({ quick: args.quick });
  console.log(`\n${fanoutTable(dashboardFanout)}\n`);

  const errors = pipeline.flatMap((r) => r.errors.map((e) => `${r.calls} calls: ${e}`));
  if (errors.length) console.log(`errors during the run (first ${errors.length}):\n  ${errors.join('\n  ')}\n`);

  const out = resolve(args.out);
  const report = { generatedAt: new Date().toISOString(), quick: args.quick, machine, budgets: BUDGETS, audioFrames: audio, hopFloor, sttSend, voicePipeline: pipeline, voiceWithVerificationBurst: withBurst, grounding, scoring, verify, atsWebhooks, atsWebhooksWithJobs, board, practice, dashboardFanout };
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${out} (${elapsed()})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
