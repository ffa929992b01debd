/**
 * The learning integration tests' shared set-up: a fresh PostgreSQL database with the ORM on it, a local blob
 * store in a temp folder, the model-version service, the real backbone (one intra-op thread: the machines that
 * run these tests are small) and, when asked for, a training worker; plus the trigger and promotion settings that
 * let a test train and publish on a handful of labels, and the seeding of labelled Fashion-MNIST shirts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPubSub } from 'graphql-yoga';
import { afterAll, beforeAll } from 'vitest';
import type { PromotionConfig, RetrainTriggerConfig } from '@intellioptics/learning';
import { fashionMnist, greyPng, seededSample } from '@intellioptics/learning/datasets';
import { newId, type PubSubTopics } from '@intellioptics/schema';
import { VisionEngine } from '@intellioptics/vision';
import { LocalBlobStore } from '../../src/blob/local-blob.store';
import { initOrm, type Orm } from '../../src/db/orm';
import type { AppPubSub } from '../../src/graphql/pubsub';
import { Detector, type DetectorEntity } from '../../src/modules/detectors/detector.entity';
import { ImageQuery, Label } from '../../src/modules/image-queries/image-query.entity';
import { trainingWorkerConfig, type TrainingWorkerConfig } from '../../src/modules/learning/training.config';
import { TrainingWorker } from '../../src/modules/learning/training.worker';
import { ModelVersionService } from '../../src/modules/model-versions/model-version.service';
import { createLogger, type Logger } from '../../src/ops/logger';
import { createTestDatabase, type TestDatabase } from './test-db';

/** A job is due as soon as two classes have three labels each: no quiet period, delay or backoff. */
export const IMMEDIATE_TRIGGER: RetrainTriggerConfig = {
  minLabelsPerClass: 3,
  minClasses: 2,
  minNewLabels: 4,
  growthFraction: 0,
  quietMs: 0,
  maxDelayMs: 0,
  failureBackoffMs: 0,
  firstVersionImmediately: true,
  streamBacklogFactor: 2,
};

/** Promotion that decides on as few as four held-out images. */
export const LENIENT_PROMOTION: PromotionConfig = {
  accuracyEpsilon: 0.01,
  eceEpsilon: 0.01,
  z: 1.645,
  minHeldOut: 4,
};

/** The worker settings of the learning tests: the immediate trigger and lenient promotion, then `over`. */
export const immediateTrainingConfig = (over: Partial<TrainingWorkerConfig> = {}): TrainingWorkerConfig =>
  trainingWorkerConfig({}, { trigger: IMMEDIATE_TRIGGER, promotion: LENIENT_PROMOTION, ...over });

export interface LearningRigOptions {
  /** Names the blob folder (`<name>-XXXXXX` in the temp dir). */
  name: string;
  /** The ORM's pool size (default 4). */
  poolMax?: number;
  /** A worker with `immediateTrainingConfig(worker)` is built when given. */
  worker?: Partial<TrainingWorkerConfig>;
}

export interface LearningRig {
  db: TestDatabase;
  orm: Orm;
  blobs: LocalBlobStore;
  pubsub: AppPubSub;
  models: ModelVersionService;
  engine: VisionEngine;
  logger: Logger;
  /** Present when `worker` settings were given. */
  worker: TrainingWorker | null;
  config: TrainingWorkerConfig | null;
  close(): Promise<void>;
}

/** A rig with its training worker. */
export type WorkerRig = LearningRig & { worker: TrainingWorker; config: TrainingWorkerConfig };

export function startLearningRig(
  opts: LearningRigOptions & { worker: Partial<TrainingWorkerConfig> },
): Promise<WorkerRig>;
export function startLearningRig(opts: LearningRigOptions): Promise<LearningRig>;
export async function startLearningRig(opts: LearningRigOptions): Promise<LearningRig> {
  const logger = createLogger('silent');
  const db = await createTestDatabase();
  const orm = await initOrm(db.url, { poolMax: opts.poolMax ?? 4, debug: false });
  const blobDir = await mkdtemp(path.join(os.tmpdir(), `${opts.name}-`));
  const blobs = new LocalBlobStore({
    dir: blobDir,
    signingSecret: null,
    publicBaseUrl: () => 'http://127.0.0.1:1',
  });
  const pubsub: AppPubSub = createPubSub<PubSubTopics>();
  const models = new ModelVersionService(orm, blobs, pubsub, logger, { signedUrlTtlSeconds: 60 });
  const engine = await VisionEngine.create({ intraOpNumThreads: 1 });
  const config = opts.worker ? immediateTrainingConfig(opts.worker) : null;
  const worker = config
    ? new TrainingWorker({ orm, blobs, models, engine: async () => engine, logger, config })
    : null;
  return {
    db,
    orm,
    blobs,
    pubsub,
    models,
    engine,
    logger,
    worker,
    config,
    async close() {
      await engine.release();
      await orm.close();
      await db.drop();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

/**
 * The rig of a test file: started before its tests (the backbone's first load can take a minute on a busy
 * machine), closed after them. The returned object is filled in when the rig is up.
 */
export function useLearningRig(
  opts: LearningRigOptions & { worker: Partial<TrainingWorkerConfig> },
): WorkerRig;
export function useLearningRig(opts: LearningRigOptions): LearningRig;
export function useLearningRig(opts: LearningRigOptions): LearningRig {
  const rig = {} as LearningRig;
  beforeAll(async () => {
    Object.assign(rig, await startLearningRig(opts));
  }, 120_000);
  afterAll(async () => {
    await rig.close?.();
  });
  return rig;
}

/** A binary detector that is on, asks at 0.8 confidence and escalates the standard way. */
export async function storeBinaryDetector(
  rig: Pick<LearningRig, 'orm'>,
  d: { name: string; query: string; groupName: string; reasoning?: 'linear' | 'recursive' },
): Promise<DetectorEntity> {
  const em = rig.orm.em.fork();
  const detector = em.create(Detector, {
    id: newId('detector'),
    name: d.name,
    query: d.query,
    groupName: d.groupName,
    mode: 'BINARY',
    confidenceThreshold: 0.8,
    patienceTime: 30,
    status: 'ON',
    escalationType: 'STANDARD',
    ...(d.reasoning ? { reasoning: d.reasoning } : {}),
  });
  await em.flush();
  return detector;
}

export const FASHION_SHIRT = 6;
/** T-shirt/top, pullover, coat: the shirt's usual confusions. */
export const FASHION_LOOK_ALIKES = [0, 2, 4];

export interface LabelledShirtsOptions {
  detectorId: string;
  count: number;
  /** Draws the 12 000-image pool the shirts and look-alikes are taken from. */
  seed: number;
  /** Image-query ids (default newId: random). */
  nextId?: () => string;
  /** The n-th image query's metadata (default an escalation below the threshold). */
  metadata?: (n: number) => Record<string, unknown>;
}

/**
 * Labelled image queries of Fashion-MNIST shirts (YES) and their look-alikes (NO) for a binary "Is it a shirt?"
 * detector, their images in the blob store, as reviewers would have left them.
 */
export async function storeLabelledShirts(
  rig: Pick<LearningRig, 'orm' | 'blobs'>,
  o: LabelledShirtsOptions,
): Promise<void> {
  const pool = await fashionMnist('train', seededSample(60_000, 12_000, o.seed));
  const chosen = pool.classes
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c === FASHION_SHIRT || FASHION_LOOK_ALIKES.includes(c))
    .slice(0, o.count);
  const em = rig.orm.em.fork();
  for (const [n, { c, i }] of chosen.entries()) {
    const bytes = await greyPng(pool.grey[i]!);
    const id = o.nextId ? o.nextId() : newId('imageQuery');
    const imageKey = `images/${o.detectorId}/${id}.png`;
    await rig.blobs.put(imageKey, bytes, 'image/png');
    em.create(ImageQuery, {
      id,
      detector: o.detectorId,
      query: 'Is it a shirt?',
      resultType: 'binary_classification',
      patienceTime: 30,
      confidenceThreshold: 0.8,
      imageKey,
      imageMime: 'image/png',
      imageBytes: bytes.length,
      submittedBy: 'usr_edge',
      metadata: o.metadata ? o.metadata(n) : { reason: 'BELOW_THRESHOLD' },
    });
    em.create(Label, {
      id: newId('label'),
      imageQuery: id,
      label: c === FASHION_SHIRT ? 'YES' : 'NO',
      source: 'USER',
      confidence: 1,
      labeledBy: 'usr_reviewer',
    });
  }
  await em.flush();
}
