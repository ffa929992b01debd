import { describe, expect, it } from 'vitest';
import { isScrapeToken } from './scrape-token';

describe('isScrapeToken', () => {
  it.each([
    [null, 'Bearer anything-at-all-0123', false],
    ['metrics-secret-0123456789', undefined, false],
    ['metrics-secret-0123456789', 'Bearer metrics-secret-0123456789', true],
    ['metrics-secret-0123456789', 'bearer metrics-secret-0123456789', true],
    ['metrics-secret-0123456789', 'Bearer metrics-secret-012345678', false],
    ['metrics-secret-0123456789', 'Basic metrics-secret-0123456789', false],
    ['metrics-secret-0123456789', 'metrics-secret-0123456789', false],
  ])('token %s, header %s → %s', (token, header, expected) => {
    expect(isScrapeToken(token, header)).toBe(expected);
  });
});
