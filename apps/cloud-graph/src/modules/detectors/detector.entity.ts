import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { DetectorMode } from '@intellioptics/schema';

export const Detector = defineEntity({
  name: 'Detector',
  tableName: 'detectors',
  properties: {
    id: p.string().primary(),
    name: p.string().length(200).unique(),
    query: p.string().length(300),
    groupName: p.string().length(100),
    mode: p.string().length(20).$type<DetectorMode>(),
    modeConfiguration: p.json<Record<string, unknown>>().nullable(),
    confidenceThreshold: p.float().columnType('double precision'),
    patienceTime: p.float().columnType('double precision'),
    status: p.enum(['ON', 'OFF'] as const),
    escalationType: p.enum(['STANDARD', 'NO_HUMAN_LABELING'] as const),
    metadata: p.json<Record<string, unknown>>().nullable(),
    /** A compound detector's rule (libs/schema compound-rule.ts); null for every other detector. */
    rule: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type DetectorEntity = InferEntity<typeof Detector>;
