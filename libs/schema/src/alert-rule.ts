/**
 * Alert rules in Groundlight's shape (`/device-api/v1/actions/detector/{id}/rules`, `/v1/actions/rules`; the
 * SDK's `create_alert`, `Rule`, `Condition`, `Action`, `WebhookAction`, `PayloadTemplate`): a rule names one
 * detector, a condition over its answers and what to do when the condition fires. The same field names
 * travel through REST, the cloud's table, the edge's cache and the alert the edge delivers.
 *
 * Condition parameters per verb (the SDK's `make_condition`):
 * - ANSWERED_CONSECUTIVELY `{num_consecutive_labels, label}`: the last N answers were `label`.
 * - ANSWERED_WITHIN_TIME `{label, time_value, time_unit}`: `label` was answered within the last window.
 * - CHANGED_TO `{label}`: the answer changed from another label to `label`.
 * - NO_CHANGE `{time_value, time_unit}`: the answer has not changed for the window.
 * - NO_QUERIES `{time_value, time_unit}`: no image query was answered for the window.
 */
import { z } from 'zod';

export const ALERT_VERBS = [
  'ANSWERED_CONSECUTIVELY',
  'ANSWERED_WITHIN_TIME',
  'CHANGED_TO',
  'NO_CHANGE',
  'NO_QUERIES',
] as const;
export const AlertVerbSchema = z.enum(ALERT_VERBS);
export type AlertVerb = z.infer<typeof AlertVerbSchema>;

export const TIME_UNITS = ['SECONDS', 'MINUTES', 'HOURS', 'DAYS'] as const;
export const TimeUnitSchema = z.enum(TIME_UNITS);
export type TimeUnit = z.infer<typeof TimeUnitSchema>;

const UNIT_MS: Record<TimeUnit, number> = {
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

/** A duration in milliseconds (`time_value` × `time_unit`). */
export function durationMs(value: number, unit: TimeUnit): number {
  return value * UNIT_MS[unit];
}

const label = z.string().trim().min(1).max(100);
const positiveInt = z.number().int().positive();
/** Longest window or snooze: a year (a larger value is a typo more often than an intent). */
const window = {
  time_value: positiveInt.max(366 * 86_400),
  time_unit: TimeUnitSchema,
};

const ConsecutiveParams = z.object({ num_consecutive_labels: positiveInt.max(10_000), label }).strict();
const WithinTimeParams = z.object({ label, ...window }).strict();
const ChangedToParams = z.object({ label }).strict();
const WindowParams = z.object(window).strict();

export const AlertConditionSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('ANSWERED_CONSECUTIVELY'), parameters: ConsecutiveParams }).strict(),
  z.object({ verb: z.literal('ANSWERED_WITHIN_TIME'), parameters: WithinTimeParams }).strict(),
  z.object({ verb: z.literal('CHANGED_TO'), parameters: ChangedToParams }).strict(),
  z.object({ verb: z.literal('NO_CHANGE'), parameters: WindowParams }).strict(),
  z.object({ verb: z.literal('NO_QUERIES'), parameters: WindowParams }).strict(),
]);
export type AlertCondition = z.infer<typeof AlertConditionSchema>;

/**
 * A webhook's body: `template` rendered with the alert's fields (`{{ detector_id }}`, `{{ label }}`, …) and
 * sent as JSON; `headers` added to the request.
 */
export const PayloadTemplateSchema = z
  .object({
    template: z.string().min(1).max(20_000),
    headers: z.record(z.string().min(1).max(200), z.string().max(2000)).nullish(),
  })
  .strict();
export type PayloadTemplate = z.infer<typeof PayloadTemplateSchema>;

export const WebhookActionSchema = z
  .object({
    url: z
      .string()
      .max(2000)
      .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), { error: 'must be an http(s) URL' }),
    include_image: z.boolean().default(false),
    payload_template: PayloadTemplateSchema.nullish(),
  })
  .strict();
export type WebhookAction = z.infer<typeof WebhookActionSchema>;

/** Groundlight's EMAIL/TEXT action: stored and returned for parity; this platform delivers webhooks and MQTT. */
export const ActionSchema = z
  .object({
    channel: z.enum(['EMAIL', 'TEXT']),
    recipient: z.string().min(1).max(320),
    include_image: z.boolean().default(false),
  })
  .strict();
export type Action = z.infer<typeof ActionSchema>;

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean(),
  condition: AlertConditionSchema,
  snooze_time_enabled: z.boolean(),
  snooze_time_value: z
    .number()
    .int()
    .min(0)
    .max(366 * 86_400),
  snooze_time_unit: TimeUnitSchema,
  human_review_required: z.boolean(),
  /** One action or a list (the SDK sends either). */
  action: z.union([ActionSchema, z.array(ActionSchema).max(20)]),
  webhook_action: z.array(WebhookActionSchema).max(20),
};

/** `POST …/actions/detector/{id}/rules`: the SDK's `RuleRequest` (`detector_id` in the body is optional). */
export const RuleRequestSchema = z
  .object({
    ...ruleFields,
    detector_id: z.string().optional(),
    enabled: ruleFields.enabled.default(true),
    snooze_time_enabled: ruleFields.snooze_time_enabled.default(false),
    snooze_time_value: ruleFields.snooze_time_value.default(0),
    snooze_time_unit: ruleFields.snooze_time_unit.default('SECONDS'),
    human_review_required: ruleFields.human_review_required.default(false),
    action: ruleFields.action.default([]),
    webhook_action: ruleFields.webhook_action.default([]),
  })
  .strict();
export type RuleRequest = z.infer<typeof RuleRequestSchema>;

/** `PATCH …/actions/rules/{id}`: any of the writable fields. */
export const PatchedRuleRequestSchema = z.object(ruleFields).partial().strict();
export type PatchedRuleRequest = z.infer<typeof PatchedRuleRequestSchema>;

/** A rule as REST answers it (and as the edge caches it). `id` is an integer, as Groundlight's. */
export const RuleSchema = z.object({
  id: z.number().int(),
  detector_id: z.string(),
  detector_name: z.string(),
  ...ruleFields,
  action: z.array(ActionSchema),
});
export type Rule = z.infer<typeof RuleSchema>;

export const PaginatedRuleListSchema = z.object({
  count: z.number().int(),
  next: z.string().nullable(),
  previous: z.string().nullable(),
  results: z.array(RuleSchema),
});

/** The snooze of a rule in milliseconds (0: none). */
export function snoozeMs(rule: Pick<Rule, 'snooze_time_enabled' | 'snooze_time_value' | 'snooze_time_unit'>) {
  return rule.snooze_time_enabled ? durationMs(rule.snooze_time_value, rule.snooze_time_unit) : 0;
}

/**
 * One firing of a rule, as the edge delivers it (webhook body without a template, MQTT message, report to the
 * cloud). `alert_id` is unique per firing: a receiver that sees it twice (a retry after a lost answer) drops it.
 */
export const AlertEventSchema = z.object({
  alert_id: z.string(),
  rule_id: z.number().int(),
  rule_name: z.string(),
  detector_id: z.string(),
  detector_name: z.string(),
  verb: AlertVerbSchema,
  /** The answer that fired it; null for NO_QUERIES/NO_CHANGE fired by the clock after the last answer. */
  image_query_id: z.string().nullable(),
  label: z.string().nullable(),
  confidence: z.number().nullable(),
  fired_at: z.string(),
  /** Which edge fired it (its hub id or name), null when unknown. */
  source: z.string().nullable(),
  message: z.string(),
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;
