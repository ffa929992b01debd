import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ModelKind, ModelVersionState } from '@intellioptics/schema';
import { Detector } from '../detectors/detector.entity';

/** One trained model package of one detector; `number` counts up per (detector, kind). */
export const ModelVersion = defineEntity({
  name: 'ModelVersion',
  tableName: 'model_versions',
  uniques: [{ properties: ['detector', 'kind', 'number'] }],
  indexes: [{ properties: ['detector', 'kind', 'state'] }],
  properties: {
    id: p.string().primary(),
    detector: p.manyToOne(Detector).ref().deleteRule('cascade'),
    kind: p.string().length(10).$type<ModelKind>(),
    number: p.integer(),
    sha256: p.string().length(64),
    sizeBytes: p.integer(),
    blobKey: p.string().length(300),
    metrics: p.json<Record<string, unknown>>(),
    state: p.string().length(10).$type<ModelVersionState>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    publishedAt: p.datetime().nullable(),
    retiredAt: p.datetime().nullable(),
  },
});
export type ModelVersionEntity = InferEntity<typeof ModelVersion>;
