/**
 * Alert rules in GraphQL: `Detector.alertRules`, `alertRules(detectorId)`, `recentAlerts`, the admin mutations
 * `createAlertRule`/`updateAlertRule`/`deleteAlertRule` (the same validation as REST), and `alertFired`, the
 * live notification of an alert an edge fired (announced once per firing).
 */
import { filter, pipe } from 'graphql-yoga';
import { ALERT_VERBS, TIME_UNITS, type AlertEvent } from '@intellioptics/schema';
import { builder } from '../../graphql/builder';
import { MutationErrorRef, asPayload, guard, type Payload } from '../../graphql/errors';
import { ROLES, canSeeDetector, visibleDetectorIds } from '../../auth/principal';
import { DetectorRef } from '../detectors/detector.graphql';
import type { AlertRuleEntity } from './alert-rule.entity';
import { toRestRule } from './alert-rule.service';

const AlertVerbEnum = builder.enumType('AlertVerb', { values: ALERT_VERBS });
const TimeUnitEnum = builder.enumType('TimeUnit', { values: TIME_UNITS });

const WebhookActionRef = builder
  .objectRef<AlertRuleEntity['webhookAction'][number]>('WebhookAction')
  .implement({
    description: 'POST the alert to `url` (signed with HMAC-SHA256 when the edge has a secret).',
    fields: (t) => ({
      url: t.exposeString('url'),
      includeImage: t.boolean({ resolve: (w) => w.include_image }),
      payloadTemplate: t.string({ nullable: true, resolve: (w) => w.payload_template?.template ?? null }),
      headers: t.field({ type: 'JSON', nullable: true, resolve: (w) => w.payload_template?.headers ?? null }),
    }),
  });

export const AlertRuleRef = builder.objectRef<AlertRuleEntity>('AlertRule').implement({
  description:
    'An alert rule: when its condition over the detector’s answers fires, the edge delivers alerts.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    detectorId: t.id({ resolve: (r) => r.detector.id }),
    name: t.exposeString('name'),
    enabled: t.exposeBoolean('enabled'),
    verb: t.field({ type: AlertVerbEnum, resolve: (r) => r.condition.verb }),
    parameters: t.field({ type: 'JSON', resolve: (r) => r.condition.parameters }),
    snoozeTimeEnabled: t.exposeBoolean('snoozeTimeEnabled'),
    snoozeTimeValue: t.exposeInt('snoozeTimeValue'),
    snoozeTimeUnit: t.field({ type: TimeUnitEnum, resolve: (r) => r.snoozeTimeUnit }),
    humanReviewRequired: t.exposeBoolean('humanReviewRequired'),
    webhookActions: t.field({ type: [WebhookActionRef], resolve: (r) => r.webhookAction }),
    /** Groundlight's EMAIL/TEXT actions, kept as given. */
    actions: t.field({ type: 'JSON', resolve: (r) => r.action }),
    rest: t.field({
      type: 'JSON',
      description: 'The rule as REST answers it.',
      resolve: (r) => toRestRule(r),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
  }),
});

export const AlertEventRef = builder.objectRef<AlertEvent>('AlertEvent').implement({
  description: 'One firing of an alert rule, as the edge that fired it reported it.',
  fields: (t) => ({
    alertId: t.id({ resolve: (e) => e.alert_id }),
    ruleId: t.int({ resolve: (e) => e.rule_id }),
    ruleName: t.string({ resolve: (e) => e.rule_name }),
    detectorId: t.id({ resolve: (e) => e.detector_id }),
    detectorName: t.string({ resolve: (e) => e.detector_name }),
    verb: t.field({ type: AlertVerbEnum, resolve: (e) => e.verb }),
    imageQueryId: t.id({ nullable: true, resolve: (e) => e.image_query_id }),
    label: t.string({ nullable: true, resolve: (e) => e.label }),
    confidence: t.float({ nullable: true, resolve: (e) => e.confidence }),
    firedAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.fired_at) }),
    source: t.string({ nullable: true, resolve: (e) => e.source }),
    message: t.string({ resolve: (e) => e.message }),
  }),
});

builder.objectField(DetectorRef, 'alertRules', (t) =>
  t.field({
    type: [AlertRuleRef],
    description: 'Its alert rules, oldest first.',
    resolve: (d, _, ctx) => ctx.services.alertRules.forDetector(d.id),
  }),
);

builder.queryFields((t) => ({
  alertRules: t.field({
    type: [AlertRuleRef],
    description: 'The alert rules of one detector (empty for a detector the caller cannot see).',
    args: { detectorId: t.arg.id({ required: true }) },
    resolve: (_, { detectorId }, ctx) => {
      if (!canSeeDetector(guard(ctx, ROLES.any), detectorId)) return [];
      return ctx.services.alertRules.forDetector(detectorId);
    },
  }),
  recentAlerts: t.field({
    type: [AlertEventRef],
    description: 'The latest alerts edges reported, newest first (at most 200).',
    args: { limit: t.arg.int({ defaultValue: 50 }) },
    resolve: async (_, { limit }, ctx) => {
      const who = guard(ctx, ROLES.any);
      const rows = await ctx.services.alertRules.recent({
        limit: Math.min(Math.max(limit ?? 50, 1), 200),
        detectorIds: visibleDetectorIds(who),
      });
      return rows.map((r) => r.body);
    },
  }),
}));

const WebhookActionInput = builder.inputType('WebhookActionInput', {
  fields: (t) => ({
    url: t.string({ required: true }),
    includeImage: t.boolean({ defaultValue: false }),
    payloadTemplate: t.string({ description: 'A JSON template with `{{ field }}` placeholders.' }),
    headers: t.field({ type: 'JSON', description: 'Extra request headers (an object of strings).' }),
  }),
});

const AlertRuleInput = builder.inputType('AlertRuleInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    enabled: t.boolean({ defaultValue: true }),
    verb: t.field({ type: AlertVerbEnum, required: true }),
    parameters: t.field({ type: 'JSON', required: true }),
    snoozeTimeEnabled: t.boolean({ defaultValue: false }),
    snoozeTimeValue: t.int({ defaultValue: 0 }),
    snoozeTimeUnit: t.field({ type: TimeUnitEnum, defaultValue: 'SECONDS' }),
    humanReviewRequired: t.boolean({ defaultValue: false }),
    webhookActions: t.field({ type: [WebhookActionInput], defaultValue: [] }),
  }),
});

type AlertRuleInputShape = typeof AlertRuleInput.$inferInput;

/** The GraphQL input as the REST body, so both go through one validation. */
function toRequestBody(r: AlertRuleInputShape): Record<string, unknown> {
  return {
    name: r.name,
    enabled: r.enabled ?? true,
    condition: { verb: r.verb, parameters: r.parameters },
    snooze_time_enabled: r.snoozeTimeEnabled ?? false,
    snooze_time_value: r.snoozeTimeValue ?? 0,
    snooze_time_unit: r.snoozeTimeUnit ?? 'SECONDS',
    human_review_required: r.humanReviewRequired ?? false,
    webhook_action: (r.webhookActions ?? []).map((w) => ({
      url: w.url,
      include_image: w.includeImage ?? false,
      ...(w.payloadTemplate
        ? { payload_template: { template: w.payloadTemplate, headers: w.headers ?? null } }
        : {}),
    })),
  };
}

const AlertRulePayloadRef = builder
  .objectRef<Payload<{ rule: AlertRuleEntity }>>('AlertRulePayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      rule: t.field({ type: AlertRuleRef, nullable: true, resolve: (p) => p.rule ?? null }),
    }),
  });

const DeleteAlertRulePayloadRef = builder
  .objectRef<Payload<{ deletedId: number }>>('DeleteAlertRulePayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      deletedId: t.int({ nullable: true, resolve: (p) => p.deletedId ?? null }),
    }),
  });

builder.mutationFields((t) => ({
  createAlertRule: t.field({
    type: AlertRulePayloadRef,
    description: 'A new alert rule on the detector (as `POST /v1/actions/detector/{id}/rules`; admins).',
    args: { detectorId: t.arg.id({ required: true }), rule: t.arg({ type: AlertRuleInput, required: true }) },
    resolve: (_, { detectorId, rule }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => ({
        rule: await ctx.services.alertRules.create(detectorId, toRequestBody(rule)),
      }));
    },
  }),
  updateAlertRule: t.field({
    type: AlertRulePayloadRef,
    description: 'Replace a rule’s writable fields (as `PATCH /v1/actions/rules/{id}`; admins).',
    args: { id: t.arg.int({ required: true }), rule: t.arg({ type: AlertRuleInput, required: true }) },
    resolve: (_, { id, rule }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => ({ rule: await ctx.services.alertRules.update(id, toRequestBody(rule)) }));
    },
  }),
  deleteAlertRule: t.field({
    type: DeleteAlertRulePayloadRef,
    description: 'Delete a rule (as `DELETE /v1/actions/rules/{id}`; admins).',
    args: { id: t.arg.int({ required: true }) },
    resolve: (_, { id }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => {
        await ctx.services.alertRules.delete(id);
        return { deletedId: id };
      });
    },
  }),
}));

builder.subscriptionFields((t) => ({
  alertFired: t.field({
    type: AlertEventRef,
    description: 'An edge fired an alert rule (optionally only for some detectors); once per firing.',
    args: { detectorIds: t.arg.idList() },
    subscribe: (_, { detectorIds }, ctx) => {
      const who = guard(ctx, ROLES.any);
      const wanted = detectorIds?.length ? new Set(detectorIds) : null;
      return pipe(
        ctx.pubsub.subscribe('alertFired'),
        filter(
          (e: AlertEvent) => canSeeDetector(who, e.detector_id) && (!wanted || wanted.has(e.detector_id)),
        ),
      );
    },
    resolve: (e) => e,
  }),
}));
