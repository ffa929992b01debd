/** Reads the env, builds the dependencies and the server, listens; drains on SIGTERM/SIGINT. */
import { loadEnv } from './config/env';
import { createDeps } from './deps';
import { buildServer } from './server';
import { createLogger } from './ops/logger';
import { VisionEngine } from '@intellioptics/vision';
import { TrainingWorker } from './modules/learning/training.worker';
import { trainingWorkerConfig } from './modules/learning/training.config';
import { VisionCloudPredictor } from './modules/image-queries/vision.cloud-predictor';

const env = loadEnv();
const logger = createLogger(env.log.level);

const deps = await createDeps(env, logger);
// One backbone for cloud-side answers and training, created on first use.
let engine: Promise<VisionEngine> | null = null;
const getEngine = () => (engine ??= VisionEngine.create());
const app = buildServer({
  env,
  deps,
  logger,
  predictor: new VisionCloudPredictor({
    models: { published: (detectorId) => app.services.models.published(detectorId) },
    blobs: deps.blobs,
    engine: getEngine,
    logger,
  }),
});
if (env.auth.bootstrapToken && (await app.services.auth.bootstrap(env.auth.bootstrapToken))) {
  logger.info('created the bootstrap admin user with IO_BOOTSTRAP_TOKEN');
}
// The embedded default trains in this process; sites that run `worker.main.ts` apart set LEARNING_IN_PROCESS=0.
const worker = env.learning.inProcess
  ? new TrainingWorker({
      orm: deps.orm,
      blobs: deps.blobs,
      models: app.services.models,
      engine: getEngine,
      logger,
      config: trainingWorkerConfig(),
    })
  : null;
worker?.start();
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
  await worker?.stop();
  await app.close();
  if (engine) await (await engine).release();
  await deps.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
