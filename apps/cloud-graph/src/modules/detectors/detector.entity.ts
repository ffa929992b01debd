import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ESCALATION_POLICY_MODES, REASONING_MODES, type DetectorMode } from '@intellioptics/schema';

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
    /** Which head the trainer builds (libs/learning reasoning.choice.ts). */
    reasoning: p.enum([...REASONING_MODES]).default('linear'),
    /** Who decides escalations; null = the learned policy when it wins on held-out data, else the threshold. */
    escalationPolicy: p.enum([...ESCALATION_POLICY_MODES]).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type DetectorEntity = InferEntity<typeof Detector>;
