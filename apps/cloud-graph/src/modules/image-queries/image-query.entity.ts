import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type {
  Explanation,
  HumanReview,
  ImageQueryResult,
  ResultType,
  Roi,
  Source,
} from '@intellioptics/schema';
import { Detector } from '../detectors/detector.entity';

export const ImageQuery = defineEntity({
  name: 'ImageQuery',
  tableName: 'image_queries',
  indexes: [{ properties: ['detector', 'createdAt'] }, { properties: ['createdAt', 'id'] }],
  properties: {
    id: p.string().length(80).primary(),
    detector: p.manyToOne(Detector).ref().deleteRule('cascade'),
    query: p.string().length(300),
    resultType: p.string().length(40).$type<ResultType>(),
    result: p.json<ImageQueryResult>().nullable(),
    /** Denormalised from `result.source` for filtering; null while unanswered. */
    source: p.string().length(40).$type<Source>().nullable().index(),
    answered: p.boolean().default(false),
    rois: p.json<Roi[]>().nullable(),
    text: p.text().nullable(),
    patienceTime: p.float().columnType('double precision'),
    confidenceThreshold: p.float().columnType('double precision'),
    humanReview: p.string().length(10).$type<HumanReview>().default('DEFAULT'),
    inspectionId: p.string().length(200).nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    imageKey: p.string().length(300),
    imageMime: p.string().length(40),
    imageBytes: p.integer(),
    doneProcessing: p.boolean().default(false),
    /** `usr_…` or `hub_…` of whoever submitted it. */
    submittedBy: p.string().length(80),
    /** Why it was answered or escalated (the edge's, carried with its escalation, or the cloud's own). */
    explanation: p.json<Explanation>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type ImageQueryEntity = InferEntity<typeof ImageQuery>;

export const Label = defineEntity({
  name: 'Label',
  tableName: 'labels',
  properties: {
    id: p.string().primary(),
    imageQuery: p.manyToOne(ImageQuery).ref().deleteRule('cascade').index(),
    label: p.text(),
    rois: p.json<Roi[]>().nullable(),
    source: p.string().length(40).$type<Source>(),
    confidence: p.float().columnType('double precision'),
    /** The user who labelled. */
    labeledBy: p.string().length(80),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type LabelEntity = InferEntity<typeof Label>;
