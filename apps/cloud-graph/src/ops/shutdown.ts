/**
 * Process lifecycle for the entry points: `stop` runs once on SIGTERM/SIGINT, then the process exits.
 */
import type { Logger } from './logger';

export function stopOnSignals(logger: Logger, stop: () => Promise<void>, what = 'shutting down'): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, what);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
