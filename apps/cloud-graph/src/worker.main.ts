/**
 * The training worker as its own process (one per replica or more): takes jobs from the PostgreSQL queue.
 * With several processes, set REDIS_URL so `modelVersionPublished` reaches the subscribers of every replica.
 * In the embedded default the server runs the same worker in-process (`startLearning` in modules/learning).
 */
import { VisionEngine } from '@intellioptics/vision';
import { createServer } from 'node:http';
import { loadEnv } from './config/env';
import { createDeps } from './deps';
import { createLogger } from './ops/logger';
import { ModelVersionService } from './modules/model-versions/model-version.service';
import { trainingWorkerConfig } from './modules/learning/training.config';
import { TrainingWorker } from './modules/learning/training.worker';

const env = loadEnv();
const logger = createLogger(env.log.level);
if (!env.redis) {
  logger.warn('REDIS_URL is not set: modelVersionPublished events from this process reach no other process');
}
const deps = await createDeps(env, logger);
let engine: Promise<VisionEngine> | null = null;
const config = trainingWorkerConfig();
const worker = new TrainingWorker({
  orm: deps.orm,
  blobs: deps.blobs,
  models: new ModelVersionService(deps.orm, deps.blobs, deps.pubsub, logger, {
    signedUrlTtlSeconds: env.blob.ttlSeconds,
  }),
  engine: () => (engine ??= VisionEngine.create()),
  logger,
  config,
});
worker.start();

// Health for orchestrators (compose, Kubernetes): ready while the job loop runs and the database answers.
const health = createServer((req, res) => {
  void (async () => {
    let ok = !stopping;
    try {
      await deps.orm.em.getConnection().execute('select 1');
    } catch {
      ok = false;
    }
    const live = req.url?.startsWith('/health/live');
    res.writeHead(live || ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(live || ok ? { status: 'ready' } : { detail: 'not ready', code: 'NOT_READY' }));
  })();
});
health.listen(env.http.port, env.http.host);
logger.info({ workerId: config.workerId, leaseSeconds: config.leaseSeconds }, 'training worker started');

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'training worker stopping after the current job');
  health.close();
  await worker.stop();
  if (engine) await (await engine).release();
  await deps.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
