import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Detector } from '../detectors/detector.entity';
import { ImageQuery } from '../image-queries/image-query.entity';

export const TRAINING_JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type TrainingJobState = (typeof TRAINING_JOB_STATES)[number];
export type TrainingJobOutcome = 'PUBLISHED' | 'REFUSED';

export interface TrainingLogLine {
  at: string;
  message: string;
}

/** The partial unique index that keeps one queued-or-running job per detector. */
export const ONE_ACTIVE_JOB_INDEX = 'training_jobs_one_active_per_detector';

/**
 * A training job in the PostgreSQL queue. Workers take jobs with `FOR UPDATE SKIP LOCKED` and hold a lease
 * they renew while working; a job whose lease expired (its worker died) is taken again, up to maxAttempts.
 */
export const TrainingJob = defineEntity({
  name: 'TrainingJob',
  tableName: 'training_jobs',
  indexes: [
    { properties: ['state', 'runAfter'] },
    { properties: ['detector', 'createdAt'] },
    {
      name: ONE_ACTIVE_JOB_INDEX,
      expression: `create unique index "${ONE_ACTIVE_JOB_INDEX}" on "training_jobs" ("detector_id") where state in ('QUEUED', 'RUNNING')`,
    },
  ],
  properties: {
    id: p.string().primary(),
    detector: p.manyToOne(Detector).ref().deleteRule('cascade'),
    state: p.string().length(10).$type<TrainingJobState>(),
    /** Why it was queued: a retrain-trigger reason or MANUAL. */
    trigger: p.string().length(40),
    outcome: p.string().length(10).$type<TrainingJobOutcome>().nullable(),
    attempts: p.integer().default(0),
    maxAttempts: p.integer().default(3),
    leaseOwner: p.string().length(120).nullable(),
    leaseExpiresAt: p.datetime().nullable(),
    runAfter: p.datetime(),
    progress: p.float().columnType('double precision').default(0),
    stage: p.string().length(40).nullable(),
    log: p.json<TrainingLogLine[]>(),
    /** Labels (events, relabels included) the job consumed, and the time of that snapshot. */
    labelCount: p.integer().nullable(),
    labelsSnapshotAt: p.datetime().nullable(),
    result: p.json<Record<string, unknown>>().nullable(),
    error: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  },
});
export type TrainingJobEntity = InferEntity<typeof TrainingJob>;

/** Backbone features of one image, cached so a retrain embeds only the images it has not seen. */
export const ImageFeatures = defineEntity({
  name: 'ImageFeatures',
  tableName: 'image_features',
  properties: {
    /** `<backbone sha256 prefix>:<image query id>` */
    id: p.string().length(120).primary(),
    imageQuery: p.manyToOne(ImageQuery).ref().deleteRule('cascade').index(),
    backboneSha256: p.string().length(64),
    dim: p.integer(),
    features: p.blob(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ImageFeaturesEntity = InferEntity<typeof ImageFeatures>;

export const learningEntities = [TrainingJob, ImageFeatures];
