/**
 * Background check for newly installed versions of loaded detectors: a few async readdirs per detector per
 * interval, off the request path. New versions are loaded beside the old ones and swapped in atomically.
 */
import type { Logger } from 'pino';
import type { ModelManager } from './model-manager';

export function startModelWatcher(
  manager: ModelManager,
  intervalMs: number,
  log: Logger,
): { stop(): void; checkNow(): Promise<void> } {
  let running: Promise<void> | null = null;
  const checkNow = (): Promise<void> => {
    running ??= Promise.all(manager.loadedIds().map((id) => manager.refresh(id)))
      .then(() => undefined)
      .catch((err: unknown) => log.error({ err }, 'model version check failed'))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void checkNow(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), checkNow };
}
