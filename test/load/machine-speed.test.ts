/** The machine-speed measurement printed in every load report (src/sim/load/machine-speed.ts). */
import { describe, expect, it } from 'vitest';
import { inboundFramePath, measureMachineSpeed, REFERENCE_INBOUND_FRAME } from '../../src/sim/load/machine-speed.js';
import { machineSpeedLines } from '../../src/sim/load/report.js';

describe('machine speed', () => {
  it('runs the whole inbound frame path: the VAD sees the test signal switch on and off', () => {
    const run = inboundFramePath();
    // 200 distinct frames with the tone switching every 50: a full pass holds two onsets and two offsets.
    const { ms, vadEvents } = run(400);
    expect(ms).toBeGreaterThan(0);
    expect(vadEvents).toBeGreaterThanOrEqual(4);
  });

  it('reports µs per frame as a positive, finite figure', () => {
    const us = measureMachineSpeed({ frames: 5000, rounds: 3 });
    expect(Number.isFinite(us)).toBe(true);
    expect(us).toBeGreaterThan(0);
    // A frame is far under a millisecond on any machine that could run a call.
    expect(us).toBeLessThan(1000);
  });

  it('prints both readings against the reference day', () => {
    const [line] = machineSpeedLines({ beforeUs: 6.75, afterUs: 6.0, reference: REFERENCE_INBOUND_FRAME });
    expect(line).toContain('6.75 µs per frame before the run and 6.00 after');
    expect(line).toContain(`2.00× and 1.78× the ${REFERENCE_INBOUND_FRAME.us} µs of ${REFERENCE_INBOUND_FRAME.measuredOn}`);
  });

  it('warns when the machine changed speed during the run, and only then', () => {
    expect(machineSpeedLines({ beforeUs: 8.26, afterUs: 9.04, reference: REFERENCE_INBOUND_FRAME })).toHaveLength(1);
    const changed = machineSpeedLines({ beforeUs: 5, afterUs: 7.5, reference: REFERENCE_INBOUND_FRAME });
    expect(changed[1]).toBe('machine speed CHANGED by 50 % during the run: its levels are not comparable with each other');
    // Faster after than before counts the same.
    expect(machineSpeedLines({ beforeUs: 7.5, afterUs: 5, reference: REFERENCE_INBOUND_FRAME })[1]).toContain('CHANGED by 50 %');
  });
});
