/** The load harness's affinity experiment: a command run through withAffinity sits on the CPUs asked for. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withAffinity } from '../../src/sim/load/service-process.js';

const PRINT_CPUS = "process.stdout.write(require('fs').readFileSync('/proc/self/status','utf8').match(/Cpus_allowed_list:\\s*(\\S+)/)[1])";

const cpusOf = (cpus: string | undefined) => {
  const [file, args] = withAffinity(cpus, process.execPath, ['-e', PRINT_CPUS]);
  const res = spawnSync(file, args, { encoding: 'utf8' });
  expect(res.status, res.stderr).toBe(0);
  return res.stdout;
};

describe('withAffinity', () => {
  it('pins the command to the CPUs asked for, and leaves it alone without a list', () => {
    expect(cpusOf('0')).toBe('0');
    const own = spawnSync(process.execPath, ['-e', PRINT_CPUS], { encoding: 'utf8' }).stdout;
    expect(cpusOf(undefined)).toBe(own);
  });
});
