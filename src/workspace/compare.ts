/** How a test's output is compared with its expected value (pure: shared by the server and the browser). */
export type Compare = 'exact' | 'unordered' | 'float';

/** True when `actual` (canonical JSON text from the harness) matches `expected` under the problem's rule. */
export function outputMatches(actualJson: string, expected: unknown, compare: Compare): boolean {
  let actual: unknown;
  try {
    actual = JSON.parse(actualJson);
  } catch {
    return false;
  }
  const norm = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  const exp = norm(expected);
  if (compare === 'unordered') {
    if (!Array.isArray(actual) || !Array.isArray(exp)) return deepEqual(actual, exp, false);
    const key = (v: unknown) => canonical(v);
    return deepEqual([...actual].map(key).sort(), [...exp].map(key).sort(), false);
  }
  return deepEqual(actual, exp, compare === 'float');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function deepEqual(a: unknown, b: unknown, approx: boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return approx ? Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)) : a === b;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i], approx));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
    return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], approx));
  }
  return a === b;
}
