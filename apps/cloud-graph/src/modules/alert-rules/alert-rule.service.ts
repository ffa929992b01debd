/**
 * Alert rules (`/v1/actions/...`, GraphQL `alertRules`): stored here, fetched by the edges that serve their
 * detectors (the edge evaluates them where the answers are made and delivers the alerts), and the alerts the
 * edges report back, announced once each on the `alertFired` subscription.
 */
import {
  AlertEventSchema,
  IntelliOpticsError,
  PatchedRuleRequestSchema,
  RuleRequestSchema,
  type Action,
  type AlertEvent,
  type Rule,
} from '@intellioptics/schema';
import type { z } from 'zod';
import type { Orm } from '../../db/orm';
import type { AppPubSub } from '../../graphql/pubsub';
import { Detector } from '../detectors/detector.entity';
import { fieldErrors } from '../detectors/detector.service';
import { AlertFiring, AlertRule, type AlertFiringEntity, type AlertRuleEntity } from './alert-rule.entity';

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error);
  throw new IntelliOpticsError('BAD_REQUEST', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
    fieldErrors: errors,
  });
}

function actions(a: Action | Action[]): Action[] {
  return Array.isArray(a) ? a : [a];
}

function ruleNotFound(id: number | string): IntelliOpticsError {
  return new IntelliOpticsError('NOT_FOUND', `No alert rule has the id ${id}.`);
}

/** A rule id from a path: a positive integer, else the same 404 as a missing rule. */
export function ruleIdParam(raw: string): number {
  const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw ruleNotFound(raw);
  return id;
}

export class AlertRuleService {
  constructor(
    private readonly orm: Orm,
    private readonly pubsub: AppPubSub,
  ) {}

  async create(detectorId: string, body: unknown): Promise<AlertRuleEntity> {
    const r = parse(RuleRequestSchema, body);
    if (r.detector_id !== undefined && r.detector_id !== detectorId) {
      throw new IntelliOpticsError('BAD_REQUEST', 'detector_id: differs from the detector in the path', {
        fieldErrors: [{ path: 'detector_id', message: 'differs from the detector in the path' }],
      });
    }
    const em = this.orm.em.fork();
    const detector = await em.findOne(Detector, { id: detectorId });
    if (!detector)
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${detectorId}.`);
    const rule = em.create(AlertRule, {
      detector,
      name: r.name,
      enabled: r.enabled,
      condition: r.condition,
      snoozeTimeEnabled: r.snooze_time_enabled,
      snoozeTimeValue: r.snooze_time_value,
      snoozeTimeUnit: r.snooze_time_unit,
      humanReviewRequired: r.human_review_required,
      action: actions(r.action),
      webhookAction: r.webhook_action,
    });
    await em.flush();
    return rule;
  }

  /** Rules of the given detectors (null: every detector), oldest first, one page. */
  async list(opts: { page: number; pageSize: number; detectorIds: readonly string[] | null }) {
    const where = opts.detectorIds ? { detector: { $in: [...opts.detectorIds] } } : {};
    const [items, count] = await this.orm.em.fork().findAndCount(AlertRule, where, {
      orderBy: { id: 'asc' },
      limit: opts.pageSize,
      offset: (opts.page - 1) * opts.pageSize,
      populate: ['detector'],
    });
    return { items, count };
  }

  async forDetector(detectorId: string): Promise<AlertRuleEntity[]> {
    const em = this.orm.em.fork();
    if ((await em.count(Detector, { id: detectorId })) === 0) {
      throw new IntelliOpticsError('DETECTOR_NOT_FOUND', `No detector has the id ${detectorId}.`);
    }
    return em.find(AlertRule, { detector: detectorId }, { orderBy: { id: 'asc' }, populate: ['detector'] });
  }

  async get(id: number): Promise<AlertRuleEntity> {
    const rule = await this.orm.em.fork().findOne(AlertRule, { id }, { populate: ['detector'] });
    if (!rule) throw ruleNotFound(id);
    return rule;
  }

  async update(id: number, body: unknown): Promise<AlertRuleEntity> {
    const patch = parse(PatchedRuleRequestSchema, body);
    const em = this.orm.em.fork();
    const rule = await em.findOne(AlertRule, { id }, { populate: ['detector'] });
    if (!rule) throw ruleNotFound(id);
    if (patch.name !== undefined) rule.name = patch.name;
    if (patch.enabled !== undefined) rule.enabled = patch.enabled;
    if (patch.condition !== undefined) rule.condition = patch.condition;
    if (patch.snooze_time_enabled !== undefined) rule.snoozeTimeEnabled = patch.snooze_time_enabled;
    if (patch.snooze_time_value !== undefined) rule.snoozeTimeValue = patch.snooze_time_value;
    if (patch.snooze_time_unit !== undefined) rule.snoozeTimeUnit = patch.snooze_time_unit;
    if (patch.human_review_required !== undefined) rule.humanReviewRequired = patch.human_review_required;
    if (patch.action !== undefined) rule.action = actions(patch.action);
    if (patch.webhook_action !== undefined) rule.webhookAction = patch.webhook_action;
    await em.flush();
    return rule;
  }

  async delete(id: number): Promise<void> {
    const deleted = await this.orm.em.fork().nativeDelete(AlertRule, { id });
    if (deleted === 0) throw ruleNotFound(id);
  }

  /**
   * An alert an edge fired. Stored once per `alert_id`: a report the edge retries (its answer was lost) is
   * acknowledged again but announced once. Returns whether it was new.
   */
  async report(body: unknown, reportedBy: string): Promise<{ created: boolean; event: AlertEvent }> {
    const event = parse(AlertEventSchema, body);
    const firedAt = new Date(event.fired_at);
    if (Number.isNaN(firedAt.getTime())) {
      throw new IntelliOpticsError('BAD_REQUEST', 'fired_at: not an ISO 8601 time', {
        fieldErrors: [{ path: 'fired_at', message: 'not an ISO 8601 time' }],
      });
    }
    const inserted = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ alert_id: string }[]>(
        `insert into "alert_firings" ("alert_id", "rule_id", "detector_id", "fired_at", "body", "reported_by", "received_at")
         values (?, ?, ?, ?, ?, ?, now()) on conflict ("alert_id") do nothing returning "alert_id"`,
        [event.alert_id, event.rule_id, event.detector_id, firedAt, JSON.stringify(event), reportedBy],
      );
    const created = inserted.length > 0;
    if (created) this.pubsub.publish('alertFired', event);
    return { created, event };
  }

  /** The latest reported alerts (newest first) of the given detectors (null: all). */
  async recent(opts: { limit: number; detectorIds: readonly string[] | null }): Promise<AlertFiringEntity[]> {
    const where = opts.detectorIds ? { detectorId: { $in: [...opts.detectorIds] } } : {};
    return this.orm.em
      .fork()
      .find(AlertFiring, where, { orderBy: { firedAt: 'desc', alertId: 'desc' }, limit: opts.limit });
  }
}

export function toRestRule(r: AlertRuleEntity): Rule {
  const detector = r.detector.getEntity();
  return {
    id: r.id,
    detector_id: detector.id,
    detector_name: detector.name,
    name: r.name,
    enabled: r.enabled,
    condition: r.condition,
    snooze_time_enabled: r.snoozeTimeEnabled,
    snooze_time_value: r.snoozeTimeValue,
    snooze_time_unit: r.snoozeTimeUnit,
    human_review_required: r.humanReviewRequired,
    action: r.action,
    webhook_action: r.webhookAction,
  };
}
