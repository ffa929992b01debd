/**
 * Process lifecycle for the entry points: `stop` runs once on SIGTERM/SIGINT, then the process exits; faults
 * nobody handled are logged, not fatal.
 */
import type { Server } from 'node:http';
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

/** How long a stopping server lets in-flight requests finish before it cuts the rest. */
export const DRAIN_GRACE_MS = 5_000;

/**
 * Stops accepting connections and lets in-flight requests finish: idle keep-alive sockets are closed at once
 * and again as each one goes idle (a client must not slip a new request onto a connection that is about to
 * close); after `graceMs` whatever is left is cut. Resolves when no request is left, so the caller can close
 * the database only after every handler that needs it has answered.
 */
export function drainHttpServer(server: Server, graceMs = DRAIN_GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
