import type { DetectorModels } from './loaded-model';

/** Why a detector's sessions were freed; `removed`: its package folder left the model store. */
export type EvictionReason = 'cache_full' | 'memory_pressure' | 'shutdown' | 'removed';

/** What HTTP routes need from the model layer; the LRU cache decorates an implementation of it. */
export interface ModelManager {
  /** Loaded models of a detector, loading on demand. Throws IntelliOpticsError(404 MODEL_NOT_FOUND). */
  get(detectorId: string): Promise<DetectorModels>;
  loadedIds(): string[];
  peek(detectorId: string): DetectorModels | undefined;
  unload(detectorId: string, reason: EvictionReason): void;
  /** Looks for newer installed versions of a loaded detector and swaps them in. */
  refresh(detectorId: string): Promise<void>;
}
