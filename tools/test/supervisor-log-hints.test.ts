/** What `npm start` tells its children about log format: pretty only when a person watches a terminal. */
import { describe, expect, it } from 'vitest';
import { childLogHints } from '../supervisor';

describe('childLogHints', () => {
  it.each([
    [
      { isTTY: true, hasColors: () => true },
      { LOG_FORMAT: 'pretty', FORCE_COLOR: '1' },
    ],
    [{ isTTY: true, hasColors: () => false }, { LOG_FORMAT: 'pretty' }],
    [{ isTTY: false, hasColors: () => true }, {}],
    [{}, {}],
  ])('%o → %o', (stdout, want) => {
    expect(childLogHints(stdout)).toEqual(want);
  });
});
