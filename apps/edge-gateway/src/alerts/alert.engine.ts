/**
 * Evaluates the alert rules where the answers are made: each answer of a detector (ImageQueryService's
 * `onAnswered`) and the clock (NO_QUERIES, NO_CHANGE) step every enabled rule of that detector
 * (libs/decision alert-condition.ts). A firing becomes one outbox row per destination, committed in the same
 * transaction as the rule's new state: after a crash either both are there or neither, so a firing is
 * delivered once and a restart does not fire it again. Steps of one detector run one after another.
 */
import {
  ksuidBody,
  snoozeMs,
  type AlertEvent,
  type ImageQuery,
  type ImageQueryResult,
  type Rule,
} from '@intellioptics/schema';
import {
  initialAlertState,
  nextClockDeadline,
  stepAlertCondition,
  type AlertInput,
  type AlertRuleView,
} from '@intellioptics/decision';
import type { InStatement } from '@libsql/client';
import type { Logger } from '../logger';
import type { EdgeDatabase } from '../store/edge-database';
import type { ImageRepository } from '../store/image.repository';
import { str } from '../store/sql-values';
import type { AlertDelivery, AlertOutbox } from './alert.outbox';
import type { AlertMetrics } from './alert.metrics';
import { alertTopic } from './alert.mqtt';
import { webhookRequest, type AlertImage } from './alert.payload';
import { conditionKey, type AlertRuleStore, type RuleState } from './alert-rule.store';

export const CLOUD_ALERTS_PATH = '/device-api/v1/actions/alerts';

/** Answers a person gave (a reviewer's label is `USER`; `CLOUD` is the cloud's human review). */
const HUMAN_SOURCES: ReadonlySet<string> = new Set(['USER', 'CLOUD', 'HUMAN_AI_CLOUD_ENSEMBLE']);

/** At most this many stored answers per detector are replayed at a start. */
const REPLAY_MAX = 10_000;

/** setTimeout's longest delay; a later deadline is re-checked then. */
const MAX_TIMER_MS = 2_147_000_000;

export interface AlertEngineDeps {
  rules: AlertRuleStore;
  outbox: AlertOutbox;
  db: Pick<EdgeDatabase, 'write' | 'read'>;
  images: Pick<ImageRepository, 'forImageQuery'>;
  /** MQTT topic prefix when alerts also go to a broker. */
  mqttTopicPrefix: string | null;
  /** Report each alert to the cloud (the review UI's live notification). */
  reportToCloud: boolean;
  /** This edge's name in the alerts it sends. */
  source: string;
  /** New rows are in the outbox. */
  onEnqueued: () => void;
  log: Logger;
  metrics?: Pick<AlertMetrics, 'fired' | 'snoozed'>;
  now?: () => number;
}

/** The label an alert condition compares: the answer's label, or its count as text. */
export function alertLabel(result: ImageQueryResult | null | undefined): string | null {
  if (!result) return null;
  if ('label' in result) return result.label;
  if (result.result_type === 'counting') return result.count === null ? null : String(result.count);
  return result.text;
}

function view(rule: Rule): AlertRuleView {
  return {
    condition: rule.condition,
    snoozeMs: snoozeMs(rule),
    humanReviewRequired: rule.human_review_required,
  };
}

function describe(rule: Rule, label: string | null): string {
  const c = rule.condition;
  const p = c.parameters as Record<string, unknown>;
  const window = 'time_value' in p ? `${String(p.time_value)} ${String(p.time_unit).toLowerCase()}` : '';
  switch (c.verb) {
    case 'ANSWERED_CONSECUTIVELY':
      return `answered ${String(p.label)} ${String(p.num_consecutive_labels)} times in a row`;
    case 'ANSWERED_WITHIN_TIME':
      return `answered ${String(p.label)} within ${window}`;
    case 'CHANGED_TO':
      return `changed to ${String(p.label)}`;
    case 'NO_CHANGE':
      return `answer unchanged (${label ?? 'none'}) for ${window}`;
    case 'NO_QUERIES':
      return `no queries for ${window}`;
  }
}

/** The cursor moves forward only (answers of one detector may finish out of their creation order). */
function cursorStatement(detectorId: string, iq: ImageQuery): InStatement {
  return {
    sql: `INSERT INTO alert_cursor (detector_id, created_at, iq_id) VALUES (?, ?, ?)
          ON CONFLICT (detector_id) DO UPDATE SET created_at = excluded.created_at, iq_id = excluded.iq_id
          WHERE excluded.created_at > alert_cursor.created_at
             OR (excluded.created_at = alert_cursor.created_at AND excluded.iq_id > alert_cursor.iq_id)`,
    args: [detectorId, Date.parse(iq.created_at), iq.id],
  };
}

export class AlertEngine {
  private readonly chains = new Map<string, Promise<void>>();
  /** Detectors whose missed answers were looked for since this engine started. */
  private readonly recovered = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(private readonly deps: AlertEngineDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Start the clock and evaluate the answers stored but not yet evaluated before the last stop. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.rulesChanged();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.chains.values()]);
  }

  /** Every step queued so far has finished (tests; shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }

  /** An answer was made (never throws: alerts must not fail an image query). */
  answered(iq: ImageQuery): void {
    this.step(iq, () => true, true);
  }

  /**
   * A person's answer arrived later for an escalated image query (the answer refresher). Only rules with
   * `human_review_required` take it: the others already counted this image's answer when it was made.
   */
  reviewed(iq: ImageQuery): void {
    const source = iq.result?.source;
    if (source === undefined || !HUMAN_SOURCES.has(source)) return;
    this.step(iq, (rule) => rule.human_review_required, false);
  }

  private step(iq: ImageQuery, takes: (rule: Rule) => boolean, moves: boolean, at = this.now()): void {
    if (!this.deps.rules.forDetector(iq.detector_id).some(takes)) return;
    const result = iq.result ?? null;
    const input: AlertInput = {
      kind: 'answer',
      at,
      label: alertLabel(result),
      human: result !== null && HUMAN_SOURCES.has(result.source),
    };
    this.enqueue(iq.detector_id, input, iq, takes, moves);
  }

  /**
   * Detectors with rules and no cursor start at their newest stored answer (history is not replayed); the
   * others replay what was stored after their cursor, oldest first.
   */
  private async recover(): Promise<void> {
    const cursors = await this.deps.db.read('SELECT detector_id, created_at, iq_id FROM alert_cursor');
    const known = new Map(cursors.rows.map((r) => [str(r.detector_id), r]));
    const stmts: InStatement[] = [];
    for (const detectorId of this.deps.rules.detectorIds()) {
      if (this.recovered.has(detectorId)) continue;
      this.recovered.add(detectorId);
      const c = known.get(detectorId);
      if (!c) {
        stmts.push({
          sql: `INSERT OR IGNORE INTO alert_cursor (detector_id, created_at, iq_id)
                SELECT detector_id, created_at, id FROM image_queries WHERE detector_id = ?
                ORDER BY created_at DESC, id DESC LIMIT 1`,
          args: [detectorId],
        });
        continue;
      }
      const missed = await this.deps.db.read({
        sql: `SELECT id, created_at, json FROM image_queries WHERE detector_id = ?
                AND (created_at > ? OR (created_at = ? AND id > ?))
              ORDER BY created_at, id LIMIT ?`,
        args: [detectorId, Number(c.created_at), Number(c.created_at), str(c.iq_id), REPLAY_MAX],
      });
      for (const row of missed.rows) {
        const iq = JSON.parse(str(row.json)) as ImageQuery;
        this.deps.log.info(
          { detectorId, imageQueryId: iq.id },
          'alert rules take an answer stored before a stop',
        );
        this.step(iq, () => true, true, Number(row.created_at));
      }
    }
    if (stmts.length) await this.deps.db.write(stmts);
  }

  /** The rules changed (fetched from the cloud, or loaded at start): new rules start their clock now. */
  async rulesChanged(): Promise<void> {
    const now = this.now();
    const stmts: InStatement[] = [];
    const fresh: [number, RuleState][] = [];
    for (const rule of this.deps.rules.all()) {
      const key = conditionKey(rule);
      if (this.deps.rules.state(rule.id)?.conditionKey === key) continue;
      const s: RuleState = { conditionKey: key, state: initialAlertState(now) };
      stmts.push(this.deps.rules.stateStatement(rule.id, s, now));
      fresh.push([rule.id, s]);
    }
    if (stmts.length) {
      await this.deps.db.write(stmts);
      for (const [id, s] of fresh) this.deps.rules.commit(id, s);
    }
    await this.recover();
    this.schedule();
  }

  private enqueue(
    detectorId: string,
    input: AlertInput,
    iq: ImageQuery | null,
    takes: (rule: Rule) => boolean = () => true,
    moves = false,
  ): void {
    const prev = this.chains.get(detectorId) ?? Promise.resolve();
    const next = prev
      .then(() => this.evaluate(detectorId, input, iq, takes, moves))
      .catch((err: unknown) => this.deps.log.error({ err, detectorId }, 'alert evaluation failed'));
    this.chains.set(detectorId, next);
    void next.then(() => {
      if (this.chains.get(detectorId) === next) this.chains.delete(detectorId);
    });
  }

  private async evaluate(
    detectorId: string,
    input: AlertInput,
    iq: ImageQuery | null,
    takes: (rule: Rule) => boolean,
    movesCursor: boolean,
  ): Promise<void> {
    const rules = this.deps.rules.forDetector(detectorId).filter((r) => r.enabled && takes(r));
    const now = input.at;
    const stmts: InStatement[] = [];
    if (movesCursor && iq) stmts.push(cursorStatement(detectorId, iq));
    const commits: [number, RuleState][] = [];
    let fired = 0;
    let image: AlertImage | null | undefined;
    for (const rule of rules) {
      const key = conditionKey(rule);
      const prev = this.deps.rules.state(rule.id);
      const before = prev?.conditionKey === key ? prev.state : initialAlertState(now);
      const step = stepAlertCondition(view(rule), before, input);
      if (step.state === before && prev?.conditionKey === key) continue;
      const next: RuleState = { conditionKey: key, state: step.state };
      stmts.push(this.deps.rules.stateStatement(rule.id, next, now));
      commits.push([rule.id, next]);
      if (step.snoozed) {
        this.deps.metrics?.snoozed.inc();
        this.deps.log.info({ ruleId: rule.id, detectorId }, 'alert snoozed');
      }
      if (!step.fired) continue;
      const cause = step.fired.cause;
      const answer = cause === 'answer' ? iq : null;
      if (image === undefined && answer && rule.webhook_action.some((w) => w.include_image)) {
        const stored = await this.deps.images.forImageQuery(answer.id);
        image = stored ? { contentType: stored.contentType, bytes: stored.bytes } : null;
      }
      const event = this.event(rule, answer, step.fired.at);
      stmts.push(...this.deps.outbox.enqueue(this.deliveries(rule, event, image ?? null), now));
      fired++;
      this.deps.metrics?.fired.inc({ verb: rule.condition.verb });
      this.deps.log.info({ ruleId: rule.id, detectorId, alertId: event.alert_id, cause }, 'alert fired');
    }
    if (stmts.length) {
      await this.deps.db.write(stmts);
      for (const [id, s] of commits) this.deps.rules.commit(id, s);
    }
    if (fired) this.deps.onEnqueued();
    this.schedule();
  }

  private event(rule: Rule, iq: ImageQuery | null, at: number): AlertEvent {
    const label = iq ? alertLabel(iq.result) : (this.deps.rules.state(rule.id)?.state.lastLabel ?? null);
    return {
      alert_id: `alr_${ksuidBody({ now: () => at })}`,
      rule_id: rule.id,
      rule_name: rule.name,
      detector_id: rule.detector_id,
      detector_name: rule.detector_name,
      verb: rule.condition.verb,
      image_query_id: iq?.id ?? null,
      label,
      confidence: iq?.result?.confidence ?? null,
      fired_at: new Date(at).toISOString(),
      source: this.deps.source,
      message: `${rule.name}: ${rule.detector_name} ${describe(rule, label)}`,
    };
  }

  private deliveries(rule: Rule, event: AlertEvent, image: AlertImage | null): AlertDelivery[] {
    const base = { alertId: event.alert_id, ruleId: rule.id };
    const json = JSON.stringify(event);
    const out: AlertDelivery[] = rule.webhook_action.map((action) => ({
      ...base,
      channel: 'webhook' as const,
      target: action.url,
      ...webhookRequest(event, action, image),
    }));
    if (this.deps.mqttTopicPrefix !== null) {
      out.push({
        ...base,
        channel: 'mqtt',
        target: alertTopic(this.deps.mqttTopicPrefix, rule.detector_id),
        body: json,
        headers: {},
      });
    }
    if (this.deps.reportToCloud) {
      out.push({ ...base, channel: 'cloud', target: CLOUD_ALERTS_PATH, body: json, headers: {} });
    }
    return out;
  }

  /** One timer for the earliest clock deadline of any enabled rule. */
  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let earliest = Infinity;
    for (const rule of this.deps.rules.all()) {
      if (!rule.enabled) continue;
      const s = this.deps.rules.state(rule.id);
      const at = s ? nextClockDeadline(rule.condition, s.state) : null;
      if (at !== null) earliest = Math.min(earliest, at);
    }
    if (earliest === Infinity) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, earliest - this.now()));
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    const now = this.now();
    const due = new Set<string>();
    for (const rule of this.deps.rules.all()) {
      if (!rule.enabled) continue;
      const s = this.deps.rules.state(rule.id);
      const at = s ? nextClockDeadline(rule.condition, s.state) : null;
      if (at !== null && at <= now) due.add(rule.detector_id);
    }
    if (due.size === 0) this.schedule();
    for (const id of due) this.enqueue(id, { kind: 'clock', at: now }, null);
  }
}
