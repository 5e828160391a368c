import { describe, expect, it } from 'vitest';
import { BatchItemError, microBatch } from '../../src/lib/micro-batch.js';

describe('microBatch', () => {
  it('runs calls made in the same turn as one batch and gives each caller its own result, in order', async () => {
    const batches: number[][] = [];
    const double = microBatch<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
    expect(await double(5)).toBe(10);
    expect(batches).toEqual([[1, 2, 3], [5]]);
  });

  it('splits at maxItems', async () => {
    const sizes: number[] = [];
    const id = microBatch<number, number>(async (items) => (sizes.push(items.length), items), { maxItems: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map(id))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects every caller of a failed batch (and of a batch with the wrong number of results), then carries on', async () => {
    let fail: 'throw' | 'short' | undefined = 'throw';
    const f = microBatch<number, number>(async (items) => {
      if (fail === 'throw') throw new Error('database down');
      if (fail === 'short') return items.slice(1);
      return items;
    });
    const thrown = await Promise.allSettled([f(1), f(2)]);
    expect(thrown.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((thrown[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'database down' });
    fail = 'short';
    await expect(Promise.all([f(1), f(2)])).rejects.toThrow(/1 results for 2 items/);
    fail = undefined;
    expect(await f(7)).toBe(7);
  });

  it('a BatchItemError result fails only its own caller', async () => {
    const f = microBatch<number, number>(async (items) => items.map((n) => (n < 0 ? new BatchItemError(new Error(`bad ${n}`)) : n)));
    const r = await Promise.allSettled([f(1), f(-2), f(3)]);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((r[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'bad -2' });
  });
});
