import { describe, expect, it } from 'vitest';
import { isIntelliOpticsError } from '@intellioptics/schema';
import { paginateList, paginated, parsePageRequest } from './pagination';

describe('parsePageRequest', () => {
  it.each<[string, { page: number; pageSize: number } | string]>([
    ['', { page: 1, pageSize: 10 }],
    ['page=2&page_size=2', { page: 2, pageSize: 2 }],
    ['page=&page_size=', { page: 1, pageSize: 10 }],
    ['page_size=1000', { page: 1, pageSize: 1000 }],
    ['page=0', 'page must be a whole number from 1 to 1000000.'],
    ['page=-1', 'page must be a whole number from 1 to 1000000.'],
    ['page=1.5', 'page must be a whole number from 1 to 1000000.'],
    ['page=abc', 'page must be a whole number from 1 to 1000000.'],
    ['page_size=0', 'page_size must be a whole number from 1 to 1000.'],
    ['page_size=1001', 'page_size must be a whole number from 1 to 1000.'],
  ])('%s', (query, expected) => {
    let got: unknown;
    try {
      got = parsePageRequest(new URLSearchParams(query));
    } catch (e) {
      if (!isIntelliOpticsError(e)) throw e;
      expect(e.code).toBe('INVALID_PARAMETER');
      got = e.message;
    }
    expect(got).toEqual(expected);
  });
});

describe('paginated', () => {
  const link = {
    baseUrl: 'http://h:1',
    path: '/v1/detectors',
    query: new URLSearchParams('name=x&page=2&page_size=2'),
  };
  it.each([
    [
      'a middle page',
      { page: 2, pageSize: 2 },
      5,
      'http://h:1/v1/detectors?name=x&page=3&page_size=2',
      'http://h:1/v1/detectors?name=x&page=1&page_size=2',
    ],
    [
      'the last full page',
      { page: 3, pageSize: 2 },
      6,
      null,
      'http://h:1/v1/detectors?name=x&page=2&page_size=2',
    ],
    [
      'the first page',
      { page: 1, pageSize: 2 },
      3,
      'http://h:1/v1/detectors?name=x&page=2&page_size=2',
      null,
    ],
    ['nothing', { page: 1, pageSize: 10 }, 0, null, null],
  ])('%s', (_what, p, count, next, previous) => {
    expect(paginated(p, count, [], link)).toEqual({ count, next, previous, results: [] });
  });

  it('slices an in-memory list', () => {
    const page = paginateList(['a', 'b', 'c', 'd', 'e'], { page: 2, pageSize: 2 }, link);
    expect(page.results).toEqual(['c', 'd']);
    expect(page.count).toBe(5);
  });
});
