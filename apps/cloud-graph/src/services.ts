/** Composition root of the services: each gets only what it uses. */
import type { Env } from './config/env';
import type { Orm } from './db/orm';
import type { BlobStore } from './blob/blob-store';
import type { AppPubSub } from './graphql/pubsub';
import type { Logger } from './ops/logger';
import type { Metrics } from './ops/metrics';
import { AuthService } from './auth/auth.service';
import { DetectorService } from './modules/detectors/detector.service';
import { EscalationService } from './modules/escalations/escalation.service';
import { HubService } from './modules/hubs/hub.service';
import { ImageQueryService } from './modules/image-queries/image-query.service';
import { LabelService } from './modules/image-queries/label.service';
import type { CloudPredictor } from './modules/image-queries/cloud-predictor';
import { ModelVersionService } from './modules/model-versions/model-version.service';
import { UserService } from './modules/users/user.service';
import { LearningService } from './modules/learning/learning.service';

export interface Services {
  auth: AuthService;
  users: UserService;
  detectors: DetectorService;
  imageQueries: ImageQueryService;
  labels: LabelService;
  escalations: EscalationService;
  hubs: HubService;
  models: ModelVersionService;
  blobs: BlobStore;
  signedUrlTtlSeconds: number;
}

export function createServices(deps: {
  env: Env;
  orm: Orm;
  blobs: BlobStore;
  pubsub: AppPubSub;
  predictor: CloudPredictor;
  logger: Logger;
  metrics: Metrics;
}): Services {
  const { env, orm, blobs, pubsub, predictor, logger, metrics } = deps;
  const escalations = new EscalationService(orm, pubsub, metrics, {
    leaseSeconds: env.escalations.leaseSeconds,
  });
  const models = new ModelVersionService(orm, blobs, pubsub, logger, {
    signedUrlTtlSeconds: env.blob.ttlSeconds,
  });
  const imageQueries = new ImageQueryService(orm, blobs, pubsub, escalations, predictor, metrics, logger);
  return {
    auth: new AuthService(orm),
    users: new UserService(orm),
    detectors: new DetectorService(orm, blobs, logger),
    imageQueries,
    labels: new LabelService(orm, escalations, imageQueries, metrics),
    escalations,
    hubs: new HubService(orm, pubsub, { offlineAfterSeconds: env.hubs.offlineAfterSeconds }),
    models,
    learning: new LearningService(orm, models),
    blobs,
    signedUrlTtlSeconds: env.blob.ttlSeconds,
  };
}
