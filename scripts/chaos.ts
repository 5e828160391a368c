/**
 * npm run chaos -- --calls N --seed S [--concurrency C (default 50)] [--json]
 * Many concurrent simulated calls, each ended at a seeded random point and way, with random provider faults; prints
 * a summary table and exits 1 if any call's fault reached the process or another call. It never calls
 * process.exit: the process must exit by itself once everything is closed (a leaked timer or socket hangs it).
 */
import { parseArgs } from 'node:util';
import { chaosTable, runChaos } from '../src/sim/chaos.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const seed = Number(values.seed);
if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run chaos -- --calls N --seed S [--concurrency C] [--json]\n');
  process.exitCode = 2;
} else {
  // 50 in flight is what this 2-core machine holds with the load generator beside the server (docs/operations.md).
  const concurrency = values.concurrency ? Number(values.concurrency) : Math.min(calls, 50);
  process.stdout.write(`chaos: ${calls} calls, seed ${seed}, ${concurrency} at a time …\n`);
  const summary = await runChaos({ calls, seed, concurrency, onProgress: values.quiet ? undefined : (line) => process.stdout.write(`  ${line}\n`) });
  for (const line of chaosTable(summary)) process.stdout.write(line + '\n');
  if (values.json) process.stdout.write(`CHAOS_JSON ${JSON.stringify({ ...summary, calls: undefined, callCount: summary.calls.length })}\n`);
  process.exitCode = summary.problems.length ? 1 : 0;
}
