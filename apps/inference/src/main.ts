/** Entry point: env → buildServer → listen; SIGTERM/SIGINT drain in-flight requests, then exit. */
import { getConfig } from './config/env';
import { createLogger } from './logger';
import { buildServer } from './server';

const config = getConfig();
const logger = createLogger(config.logLevel);
const server = buildServer({ config, logger });

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  server.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

server.listen().catch((err: unknown) => {
  logger.fatal({ err }, 'cannot listen');
  process.exit(1);
});
