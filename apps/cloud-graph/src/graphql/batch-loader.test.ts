import { describe, expect, it } from 'vitest';
import { BatchLoader } from './batch-loader';

type Row = { id: string; n: number };

function counting(rows: Row[]) {
  const calls: string[][] = [];
  const loader = new BatchLoader<Row>(
    async (ids) => {
      calls.push([...ids]);
      return rows.filter((r) => ids.includes(r.id));
    },
    (r) => r.id,
  );
  return { loader, calls };
}

describe('BatchLoader', () => {
  const rows = [
    { id: 'a', n: 1 },
    { id: 'b', n: 2 },
  ];

  it('turns the loads of one tick into one fetch, each id once, and answers null for a missing id', async () => {
    const { loader, calls } = counting(rows);
    const got = await Promise.all([loader.load('a'), loader.load('b'), loader.load('a'), loader.load('x')]);
    expect(got).toEqual([rows[0], rows[1], rows[0], null]);
    expect(calls).toEqual([['a', 'b', 'x']]);
  });

  it('batches loads made from resolved promises of the same tick (sibling resolvers)', async () => {
    const { loader, calls } = counting(rows);
    const parents = await Promise.resolve(['a', 'b']);
    const got = await Promise.all(parents.map(async (id) => loader.load(await Promise.resolve(id))));
    expect(got.map((r) => r?.n)).toEqual([1, 2]);
    expect(calls).toHaveLength(1);
  });

  it('keeps nothing between batches, so a later load reads again', async () => {
    const { loader, calls } = counting(rows);
    await loader.load('a');
    rows[0]!.n = 10;
    expect((await loader.load('a'))?.n).toBe(10);
    expect(calls).toEqual([['a'], ['a']]);
    rows[0]!.n = 1;
  });

  it('rejects every waiting load when the fetch fails', async () => {
    const loader = new BatchLoader<Row>(
      async () => Promise.reject(new Error('database down')),
      (r) => r.id,
    );
    const results = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
