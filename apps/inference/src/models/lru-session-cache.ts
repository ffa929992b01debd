/**
 * LRU decorator over a ModelManager: keeps at most `max` detectors loaded; pinned detectors are never
 * evicted (and do not count as candidates). Evictions go through the inner manager's `unload`, which logs
 * the reason and releases the ONNX sessions once in-flight requests finish.
 */
import type { DetectorModels } from './loaded-model';
import type { EvictionReason, ModelManager } from './model-manager';

export interface LruOptions {
  max: number;
  pinned: readonly string[];
}

export function withLruCache(
  inner: ModelManager,
  opts: LruOptions,
): ModelManager & { pinned: ReadonlySet<string> } {
  const pinned = new Set(opts.pinned);
  // Map iteration order = recency order (oldest first).
  const recency = new Map<string, true>();

  const touch = (id: string): void => {
    recency.delete(id);
    recency.set(id, true);
  };

  const evictIfNeeded = (justLoaded: string): void => {
    const loaded = new Set(inner.loadedIds());
    for (const id of [...recency.keys()]) if (!loaded.has(id)) recency.delete(id);
    while (loaded.size > opts.max) {
      const victim = [...recency.keys()].find((id) => !pinned.has(id) && id !== justLoaded && loaded.has(id));
      if (!victim) return; // everything left is pinned (or the one just asked for)
      recency.delete(victim);
      loaded.delete(victim);
      inner.unload(victim, 'cache_full');
    }
  };

  return {
    pinned,
    async get(detectorId: string): Promise<DetectorModels> {
      const wasLoaded = inner.peek(detectorId) !== undefined;
      const models = await inner.get(detectorId);
      touch(detectorId);
      if (!wasLoaded) evictIfNeeded(detectorId);
      return models;
    },
    peek: (id) => inner.peek(id),
    loadedIds: () => inner.loadedIds(),
    unload(detectorId: string, reason: EvictionReason): void {
      recency.delete(detectorId);
      inner.unload(detectorId, reason);
    },
    refresh: (id) => inner.refresh(id),
  };
}
