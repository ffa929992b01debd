import { describe, expect, it } from 'vitest';
import type { DetectorModels } from './loaded-model';
import type { EvictionReason, ModelManager } from './model-manager';
import { withLruCache } from './lru-session-cache';

/** An in-memory manager that records unloads; the cache logic is what is under test here. */
function fakeManager(): ModelManager & { unloads: [string, EvictionReason][] } {
  const loaded = new Map<string, DetectorModels>();
  const unloads: [string, EvictionReason][] = [];
  return {
    unloads,
    get: async (id) => {
      let e = loaded.get(id);
      if (!e) {
        e = { detectorId: id } as DetectorModels;
        loaded.set(id, e);
      }
      return e;
    },
    peek: (id) => loaded.get(id),
    loadedIds: () => [...loaded.keys()],
    unload: (id, reason) => {
      loaded.delete(id);
      unloads.push([id, reason]);
    },
    refresh: async () => undefined,
  };
}

describe(withLruCache.name, () => {
  it('evicts the least recently used detector beyond max, never a pinned one', async () => {
    const inner = fakeManager();
    const sut = withLruCache(inner, { max: 2, pinned: ['p'] });
    await sut.get('p');
    await sut.get('a');
    await sut.get('b'); // over max: a is the oldest non-pinned
    expect(inner.unloads).toEqual([['a', 'cache_full']]);
    await sut.get('p'); // touching p changes nothing: it is never a candidate
    await sut.get('c');
    expect(inner.unloads).toEqual([
      ['a', 'cache_full'],
      ['b', 'cache_full'],
    ]);
    expect(sut.loadedIds().sort()).toEqual(['c', 'p']);
  });

  it('keeps pinned detectors even when they alone exceed max', async () => {
    const inner = fakeManager();
    const sut = withLruCache(inner, { max: 1, pinned: ['p1', 'p2'] });
    await sut.get('p1');
    await sut.get('p2');
    expect(inner.unloads).toEqual([]);
    await sut.get('x'); // x stays for this request; nothing else can go
    expect(inner.unloads).toEqual([]);
    await sut.get('y');
    expect(inner.unloads).toEqual([['x', 'cache_full']]);
  });
});
