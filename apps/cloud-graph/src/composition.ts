/**
 * The one composition of cloud-graph, used by the API process (main.ts), the training worker process
 * (worker.main.ts) and the tests: the outside world (deps.ts), the metrics, the services and the shared
 * backbone. Transports (server.ts, worker.process.ts) take a composed `Cloud` and only wire routes.
 */
import type { VisionEngine } from '@intellioptics/vision';
import type { Env } from './config/env';
import { createDeps, type Deps } from './deps';
import { createMetrics, registerQueueGauges, type Metrics } from './ops/metrics';
import type { Logger } from './ops/logger';
import type { Services } from './services';
import { AuthService } from './auth/auth.service';
import { DetectorService } from './modules/detectors/detector.service';
import { EscalationService } from './modules/escalations/escalation.service';
import { HubService } from './modules/hubs/hub.service';
import { CameraService } from './modules/cameras/camera.service';
import { ImageQueryService } from './modules/image-queries/image-query.service';
import { LabelService } from './modules/image-queries/label.service';
import { NoModelCloudPredictor, type CloudPredictor } from './modules/image-queries/cloud-predictor';
import { VisionCloudPredictor } from './modules/image-queries/vision.cloud-predictor';
import { LearningService } from './modules/learning/learning.service';
import type { TrainingWorkerConfig } from './modules/learning/training.config';
import { TrainingWorker } from './modules/learning/training.worker';
import { ModelVersionService } from './modules/model-versions/model-version.service';
import { UserService } from './modules/users/user.service';
import { DetectorStatsService } from './modules/detectors/detector-stats.service';
import { NoteService } from './modules/notes/note.service';
import { AlertRuleService } from './modules/alert-rules/alert-rule.service';
import { CompoundDetectorService } from './modules/compound-detectors/compound-detector.service';
import { CompoundLabelPropagator } from './modules/compound-detectors/compound-labels';
import { DetectorGroupService } from './modules/detector-groups/detector-group.service';
import { AccountService } from './modules/account/account.service';
import { EdgeMetricsService } from './modules/edge-metrics/edge-metrics.service';

export interface Cloud {
  env: Env;
  logger: Logger;
  deps: Deps;
  metrics: Metrics;
  services: Services;
  /** The process's one backbone, loaded on first use: a replica that never answers or trains never loads it. */
  engine: () => Promise<VisionEngine>;
  /** Releases the backbone, then the outside world (database, pub/sub). */
  close(): Promise<void>;
}

export interface ComposeOptions {
  /**
   * Cloud-side answers: `vision` answers with the detector's published models (the processes); `none`
   * answers "no model", so every query goes to the review queue (tests about the queue).
   */
  predictor?: 'vision' | 'none';
}

export async function composeCloud(env: Env, logger: Logger, opts: ComposeOptions = {}): Promise<Cloud> {
  const metrics = createMetrics();
  const deps = await createDeps(env, logger, { onPubSubFallback: () => metrics.pubsubLocalFallbacks.inc() });
  registerQueueGauges(metrics.registry, deps.orm);
  const engine = lazyEngine(logger);
  const services = createServices({
    env,
    deps,
    logger,
    metrics,
    engine: engine.get,
    predictor: opts.predictor ?? 'vision',
  });
  return {
    env,
    logger,
    deps,
    metrics,
    services,
    engine: engine.get,
    async close() {
      await engine.release();
      await deps.close();
    },
  };
}

/** A training worker over the composed cloud; the caller starts and stops it. */
export function createTrainingWorker(cloud: Cloud, config: TrainingWorkerConfig): TrainingWorker {
  return new TrainingWorker({
    orm: cloud.deps.orm,
    blobs: cloud.deps.blobs,
    models: cloud.services.models,
    engine: cloud.engine,
    logger: cloud.logger,
    config,
    metrics: cloud.metrics,
  });
}

/** Each service gets only what it uses. */
function createServices(parts: {
  env: Env;
  deps: Pick<Deps, 'orm' | 'blobs' | 'pubsub'>;
  logger: Logger;
  metrics: Metrics;
  engine: () => Promise<VisionEngine>;
  predictor: 'vision' | 'none';
}): Services {
  const { env, logger, metrics } = parts;
  const { orm, blobs, pubsub } = parts.deps;
  const escalations = new EscalationService(orm, pubsub, metrics, {
    leaseSeconds: env.escalations.leaseSeconds,
  });
  const models = new ModelVersionService(orm, blobs, pubsub, logger, {
    signedUrlTtlSeconds: env.blob.ttlSeconds,
  });
  const predictor: CloudPredictor =
    parts.predictor === 'vision'
      ? new VisionCloudPredictor({ models, blobs, engine: parts.engine, logger })
      : new NoModelCloudPredictor();
  const imageQueries = new ImageQueryService(orm, blobs, pubsub, escalations, predictor, metrics, logger);
  const detectors = new DetectorService(orm, blobs, logger);
  return {
    auth: new AuthService(orm),
    users: new UserService(orm, { tokenTtlDays: env.auth.tokenTtlDays }),
    detectors,
    detectorStats: new DetectorStatsService(orm),
    notes: new NoteService(orm),
    detectorGroups: new DetectorGroupService(orm),
    account: new AccountService(orm),
    edgeMetrics: new EdgeMetricsService(orm),
    alertRules: new AlertRuleService(orm, pubsub),
    compoundDetectors: new CompoundDetectorService(orm),
    imageQueries,
    labels: new LabelService(
      orm,
      escalations,
      imageQueries,
      metrics,
      new CompoundLabelPropagator(orm, blobs, logger),
    ),
    escalations,
    hubs: new HubService(orm, pubsub, detectors, { offlineAfterSeconds: env.hubs.offlineAfterSeconds }),
    cameras: new CameraService(orm),
    models,
    learning: new LearningService(orm, models),
    blobs,
    signedUrlTtlSeconds: env.blob.ttlSeconds,
  };
}

function lazyEngine(logger: Logger) {
  let engine: Promise<VisionEngine> | null = null;
  return {
    // Imported on first use too: onnxruntime and sharp stay unloaded in processes that never need them.
    get: () => (engine ??= import('@intellioptics/vision').then((v) => v.VisionEngine.create())),
    async release() {
      const loading = engine;
      engine = null;
      if (!loading) return;
      await loading
        .then((e) => e.release())
        .catch((err: unknown) => logger.warn({ err }, 'backbone release failed'));
    },
  };
}
