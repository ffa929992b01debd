/** The API process: reads the env, composes the cloud, listens; drains on SIGTERM/SIGINT. */
import { loadEnv } from './config/env';
import { composeCloud, createTrainingWorker } from './composition';
import { trainingWorkerConfig } from './modules/learning/training.config';
import { createLogger } from './ops/logger';
import { logProcessFaults, stopOnSignals } from './ops/shutdown';
import { buildServer } from './server';

const env = loadEnv();
const logger = createLogger(env.log.level);
logProcessFaults(logger);

const cloud = await composeCloud(env, logger);
const app = buildServer(cloud);
if (env.auth.bootstrapToken && (await cloud.services.auth.bootstrap(env.auth.bootstrapToken))) {
  logger.info('created the bootstrap admin user with IO_BOOTSTRAP_TOKEN');
}
// The embedded default trains in this process; sites that run `worker.main.ts` apart set LEARNING_IN_PROCESS=0.
const worker = env.learning.inProcess ? createTrainingWorker(cloud, trainingWorkerConfig()) : null;
worker?.start();
const { url } = await app.listen();
logger.info(
  { url, database: env.database.kind, blob: env.blob.kind, redis: env.redis !== null },
  'cloud-graph listening',
);

stopOnSignals(logger, async () => {
  await worker?.stop();
  await app.close();
  await cloud.close();
});
