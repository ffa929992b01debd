/**
 * Process lifecycle for the entry points: `stop` runs once on SIGTERM/SIGINT, then the process exits; faults
 * nobody handled are logged, not fatal.
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

/**
 * A stray rejection or exception (a dependency's callback, a lost promise) is logged instead of ending the
 * process: one request's fault must not take the API down for everyone. Crashes on purpose stay possible
 * through `process.exit`.
 */
export function logProcessFaults(logger: Logger): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, 'unhandled promise rejection (kept running)');
  });
  process.on('uncaughtException', (err: Error) => {
    logger.error({ err }, 'uncaught exception (kept running)');
  });
}
