/**
 * A Map bounded to `max` entries that forgets the least recently used one first (a Map iterates in insertion
 * order, so a touched entry is moved to the end). Caches fed by callers (tokens, detectors) use it so that a
 * stream of new keys cannot grow memory without bound.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, marked as just used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Stores `value` as the most recently used; returns the evicted keys. */
  set(key: K, value: V): K[] {
    this.map.delete(key);
    this.map.set(key, value);
    const evicted: K[] = [];
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Least recently used first; iterating does not mark anything used. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
