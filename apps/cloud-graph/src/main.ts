/** Reads the env, builds the dependencies and the server, listens; drains on SIGTERM/SIGINT. */
import { loadEnv } from './config/env';
import { createDeps } from './deps';
import { buildServer } from './server';
import { createLogger } from './ops/logger';

const env = loadEnv();
const logger = createLogger(env.log.level);

const deps = await createDeps(env, logger);
const app = buildServer({ env, deps, logger });
if (env.auth.bootstrapToken && (await app.services.auth.bootstrap(env.auth.bootstrapToken))) {
  logger.info('created the bootstrap admin user with IO_BOOTSTRAP_TOKEN');
}
const { url } = await app.listen();
logger.info(
  { url, database: env.database.kind, blob: env.blob.kind, redis: env.redis !== null },
  'cloud-graph listening',
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await app.close();
  await deps.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
