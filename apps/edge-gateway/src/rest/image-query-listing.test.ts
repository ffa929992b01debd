import type { ImageQuery, Paginated } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { mergeFirstPage } from './image-query-listing';

const iq = (id: string, minute: number) =>
  ({ id, created_at: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() }) as ImageQuery;
const page = (results: ImageQuery[], count = results.length): Paginated<ImageQuery> => ({
  count,
  next: null,
  previous: null,
  results,
});

describe('mergeFirstPage', () => {
  it.each([
    // name, cloud ids@minute, local ids@minute, page size, expected ids, expected count
    ['nothing local', [['a', 3]], [], 10, ['a'], 1],
    ['local already listed', [['a', 3]], [['a', 3]], 10, ['a'], 1],
    ['a newer local one first', [['a', 3]], [['b', 5]], 10, ['b', 'a'], 2],
    ['a short page takes older local ones', [['a', 3]], [['b', 1]], 10, ['a', 'b'], 2],
    [
      'a full page takes only local ones as new as its last',
      [
        ['a', 3],
        ['c', 2],
      ],
      [
        ['b', 5],
        ['d', 1],
      ],
      2,
      ['b', 'a', 'c'],
      3,
    ],
    [
      'empty cloud page',
      [],
      [
        ['b', 5],
        ['d', 1],
      ],
      10,
      ['b', 'd'],
      2,
    ],
  ] as const)('%s', (_name, cloud, local, size, ids, count) => {
    const merged = mergeFirstPage(
      page(cloud.map(([id, m]) => iq(id, m))),
      local.map(([id, m]) => iq(id, m)),
      size,
    );
    expect(merged.results.map((q) => q.id)).toEqual(ids);
    expect(merged.count).toBe(count);
  });
});
