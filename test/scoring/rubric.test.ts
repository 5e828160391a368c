import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRubrics, defaultRubricsDir, RubricError } from '../../src/scoring/rubric.js';

describe('rubrics', () => {
  it('loads backend, frontend, data and infra at junior, mid and senior, each valid and versioned', () => {
    const r = loadRubrics();
    for (const family of ['backend', 'frontend', 'data', 'infra']) {
      for (const level of ['junior', 'mid', 'senior']) {
        const rubric = r.get(`${family}-${level}`);
        expect(rubric, `${family}-${level}`).toBeDefined();
        expect(rubric!.version).toBeGreaterThanOrEqual(1);
        expect(rubric!.dimensions.reduce((s, d) => s + d.weight, 0)).toBeCloseTo(1, 5);
        for (const d of rubric!.dimensions) expect(Object.keys(d.anchors)).toEqual(['1', '2', '3', '4']);
        expect(rubric!.gates.some((g) => g.knockout)).toBe(true);
        expect(rubric!.bands.at(-1)!.minScore).toBe(0);
      }
    }
  });

  it('selects by role title and level', () => {
    const r = loadRubrics();
    expect(r.select({ title: 'Senior Backend Engineer' }).ref).toBe('backend-senior@1');
    expect(r.select({ title: 'Frontend Developer', level: 'junior' }).ref).toBe('frontend-junior@1');
    expect(r.select({ title: 'Site Reliability Engineer (SRE)' }).ref).toBe('infra-mid@1');
    expect(r.select({ title: 'Data Engineer', level: 'Senior' }).ref).toBe('data-senior@1');
    expect(r.select({ title: 'Anything' }, 'frontend-mid').ref).toBe('frontend-mid@1');
    expect(() => r.select({ title: 'x' }, 'nope')).toThrow(/not in rubrics/);
  });

  it('a broken rubric stops the load with a message naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-rubrics-'));
    const good = readFileSync(join(defaultRubricsDir(), 'backend-mid.v1.yaml'), 'utf8');
    writeFileSync(join(dir, 'backend-mid.v1.yaml'), good.replace(/weight: 0\.3\b/, 'weight: "heavy"'));
    expect(() => loadRubrics(dir)).toThrow(RubricError);
    expect(() => loadRubrics(dir)).toThrow(/backend-mid\.v1\.yaml: dimensions\.0\.weight/);
    writeFileSync(join(dir, 'backend-mid.v1.yaml'), good.replace('minCoverage: 0.5', 'minCoverage: 0.5\nextra: 1'));
    expect(() => loadRubrics(dir)).toThrow(/backend-mid\.v1\.yaml/);
    writeFileSync(join(dir, 'backend-mid.v1.yaml'), good.replace('version: 1', 'version: 2'));
    expect(() => loadRubrics(dir)).toThrow(/must match the file name/);
  });

  it('keeps several versions side by side', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-rubrics-'));
    const good = readFileSync(join(defaultRubricsDir(), 'backend-mid.v1.yaml'), 'utf8');
    writeFileSync(join(dir, 'backend-mid.v1.yaml'), good);
    writeFileSync(join(dir, 'backend-mid.v2.yaml'), good.replace('version: 1', 'version: 2').replace('minCoverage: 0.5', 'minCoverage: 0.6'));
    const r = loadRubrics(dir);
    expect(r.get('backend-mid')!.version).toBe(2);
    expect(r.get('backend-mid@1')!.minCoverage).toBe(0.5);
    expect(r.get('backend-mid@1')!.hash).not.toBe(r.get('backend-mid@2')!.hash);
  });
});
