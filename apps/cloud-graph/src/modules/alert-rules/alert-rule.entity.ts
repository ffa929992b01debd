import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Action, AlertCondition, AlertEvent, TimeUnit, WebhookAction } from '@intellioptics/schema';
import { Detector } from '../detectors/detector.entity';

/** An alert rule on one detector (Groundlight's `Rule`; integer ids as theirs). Deleted with its detector. */
export const AlertRule = defineEntity({
  name: 'AlertRule',
  tableName: 'alert_rules',
  indexes: [{ properties: ['detector', 'id'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    detector: p.manyToOne(Detector).ref().deleteRule('cascade'),
    name: p.string().length(200),
    enabled: p.boolean(),
    condition: p.json<AlertCondition>(),
    snoozeTimeEnabled: p.boolean(),
    snoozeTimeValue: p.integer(),
    snoozeTimeUnit: p.string().length(10).$type<TimeUnit>(),
    humanReviewRequired: p.boolean(),
    action: p.json<Action[]>(),
    webhookAction: p.json<WebhookAction[]>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type AlertRuleEntity = InferEntity<typeof AlertRule>;

/**
 * An alert an edge fired, as it reported it (`alert_id` is the edge's id of the firing, so a retried report
 * is stored and announced once). Kept for the review UI's recent alerts; not a delivery log.
 */
export const AlertFiring = defineEntity({
  name: 'AlertFiring',
  tableName: 'alert_firings',
  indexes: [{ properties: ['detectorId', 'firedAt'] }, { properties: ['receivedAt'] }],
  properties: {
    alertId: p.string().length(80).primary(),
    ruleId: p.integer(),
    detectorId: p.string().length(80),
    firedAt: p.datetime(),
    body: p.json<AlertEvent>(),
    /** `hub_…` or `usr_…` of whoever reported it. */
    reportedBy: p.string().length(80),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AlertFiringEntity = InferEntity<typeof AlertFiring>;
