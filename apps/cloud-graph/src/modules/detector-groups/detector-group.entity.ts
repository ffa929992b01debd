import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A named group of detectors (a detector's `group_name`); created explicitly or by a detector naming it. */
export const DetectorGroup = defineEntity({
  name: 'DetectorGroup',
  tableName: 'detector_groups',
  properties: {
    id: p.string().primary(),
    name: p.string().length(100).unique(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type DetectorGroupEntity = InferEntity<typeof DetectorGroup>;
