import { describe, expect, it } from 'vitest';
import { LruMap } from './lru-map';

describe(LruMap.name, () => {
  it('forgets the least recently used entry beyond its bound', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    expect(m.set('c', 3)).toEqual(['b']);
    expect([m.has('a'), m.has('b'), m.has('c'), m.size]).toEqual([true, false, true, 2]);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
