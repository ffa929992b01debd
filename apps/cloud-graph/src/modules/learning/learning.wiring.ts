/**
 * What the rest of cloud-graph adds to take this module in (the lead wires it; see the module README lines
 * in the report): the entities into db/entities.ts, the migration into db/migrations/index.ts.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127043000 } from './Migration20261127043000_learning';
import type { VisionEngine } from '@intellioptics/vision';
import type { BlobStore } from '../../blob/blob-store';
import type { Orm } from '../../db/orm';
import type { Logger } from '../../ops/logger';
import type { ModelVersionService } from '../model-versions/model-version.service';
import { LearningService } from './learning.service';
import { trainingWorkerConfig, type TrainingWorkerConfig } from './training.config';
import { TrainingWorker } from './training.worker';

export { learningEntities } from './training-job.entity';

export const learningMigrations: MigrationObject[] = [
  { name: 'Migration20261127043000_learning', class: Migration20261127043000 },
];

/**
 * Builds the learning service and (unless `runWorker` is false) starts an in-process training worker, for
 * the embedded default and single-process deployments. `close()` stops the worker after its current job.
 */
export function startLearning(deps: {
  orm: Orm;
  blobs: BlobStore;
  models: ModelVersionService;
  logger: Logger;
  engine: () => Promise<VisionEngine>;
  config?: TrainingWorkerConfig;
  runWorker?: boolean;
}): { service: LearningService; worker: TrainingWorker; close(): Promise<void> } {
  const worker = new TrainingWorker({ ...deps, config: deps.config ?? trainingWorkerConfig() });
  if (deps.runWorker !== false) worker.start();
  return {
    service: new LearningService(deps.orm, deps.models),
    worker,
    close: () => worker.stop(),
  };
}
