/**
 * The training worker as its own process (one per replica or more): takes jobs from the PostgreSQL queue.
 * With several processes, set REDIS_URL so `modelVersionPublished` reaches the subscribers of every replica.
 * In the embedded default the API process runs the same worker in-process (main.ts, LEARNING_IN_PROCESS).
 */
import { loadEnv } from './config/env';
import { composeCloud } from './composition';
import { trainingWorkerConfig } from './modules/learning/training.config';
import { createLogger } from './ops/logger';
import { logProcessFaults, stopOnSignals } from './ops/shutdown';
import { buildWorkerProcess } from './worker.process';

const env = loadEnv();
const logger = createLogger(env.log.level);
logProcessFaults(logger);
if (!env.redis) {
  logger.warn('REDIS_URL is not set: modelVersionPublished events from this process reach no other process');
}
const cloud = await composeCloud(env, logger);
const config = trainingWorkerConfig();
const proc = buildWorkerProcess(cloud, config);
const { url } = await proc.start();
logger.info({ url, workerId: config.workerId, leaseSeconds: config.leaseSeconds }, 'training worker started');

stopOnSignals(
  logger,
  async () => {
    await proc.close();
    await cloud.close();
  },
  'training worker stopping after the current job',
);
