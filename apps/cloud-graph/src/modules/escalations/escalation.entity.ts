import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { EscalationState } from '@intellioptics/schema';
import { Detector } from '../detectors/detector.entity';
import { ImageQuery } from '../image-queries/image-query.entity';

/** One image query waiting for (or having had) human review. */
export const Escalation = defineEntity({
  name: 'Escalation',
  tableName: 'escalations',
  indexes: [{ properties: ['state', 'deadlineAt'] }, { properties: ['detector', 'state'] }],
  properties: {
    id: p.string().primary(),
    imageQuery: p.manyToOne(ImageQuery).ref().deleteRule('cascade').unique(),
    detector: p.manyToOne(Detector).ref().deleteRule('cascade'),
    state: p.string().length(10).$type<EscalationState>(),
    reason: p.string().length(60),
    edgeResult: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    deadlineAt: p.datetime(),
    claimedBy: p.string().length(80).nullable(),
    claimExpiresAt: p.datetime().nullable(),
    resolvedAt: p.datetime().nullable(),
    resolvedBy: p.string().length(80).nullable(),
  },
});
export type EscalationEntity = InferEntity<typeof Escalation>;
