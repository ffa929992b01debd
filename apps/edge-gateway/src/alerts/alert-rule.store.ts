/**
 * The alert rules of the served detectors (as last fetched from the cloud) and each rule's condition state,
 * in SQLite and mirrored in memory: answers are evaluated without a read, and a restart offline still knows
 * every rule and where each condition stood.
 */
import type { InStatement } from '@libsql/client';
import { RuleSchema, type Rule } from '@intellioptics/schema';
import type { AlertConditionState } from '@intellioptics/decision';
import type { EdgeDatabase } from '../store/edge-database';
import { str } from '../store/sql-values';

export interface RuleState {
  /** The condition the state was built for (a changed condition starts over). */
  conditionKey: string;
  state: AlertConditionState;
}

export function conditionKey(rule: Rule): string {
  return JSON.stringify([rule.condition, rule.human_review_required]);
}

export class AlertRuleStore {
  private readonly byDetector = new Map<string, Rule[]>();
  private readonly states = new Map<number, RuleState>();

  constructor(private readonly db: EdgeDatabase) {}

  async load(): Promise<void> {
    const rules = await this.db.read(`SELECT json FROM alert_rules ORDER BY id`);
    this.byDetector.clear();
    for (const r of rules.rows) {
      const parsed = RuleSchema.safeParse(JSON.parse(str(r.json)));
      if (parsed.success) this.add(parsed.data);
    }
    const states = await this.db.read(`SELECT rule_id, condition, state FROM alert_rule_state`);
    for (const r of states.rows) {
      this.states.set(Number(r.rule_id), {
        conditionKey: str(r.condition),
        state: JSON.parse(str(r.state)) as AlertConditionState,
      });
    }
  }

  private add(rule: Rule): void {
    const list = this.byDetector.get(rule.detector_id) ?? [];
    list.push(rule);
    this.byDetector.set(rule.detector_id, list);
  }

  forDetector(detectorId: string): readonly Rule[] {
    return this.byDetector.get(detectorId) ?? [];
  }

  all(): Rule[] {
    return [...this.byDetector.values()].flat();
  }

  detectorIds(): string[] {
    return [...this.byDetector.keys()];
  }

  /** The detector's rules are now `rules` (the cloud's answer); returns whether anything changed. */
  async replaceForDetector(detectorId: string, rules: readonly Rule[], now: number): Promise<boolean> {
    const before = JSON.stringify(this.forDetector(detectorId));
    const sorted = [...rules].sort((a, b) => a.id - b.id);
    if (before === JSON.stringify(sorted)) return false;
    const stmts: InStatement[] = [
      {
        sql: `DELETE FROM alert_rule_state WHERE rule_id IN (SELECT id FROM alert_rules WHERE detector_id = ?)
              AND rule_id NOT IN (SELECT value FROM json_each(?))`,
        args: [detectorId, JSON.stringify(sorted.map((r) => r.id))],
      },
      { sql: `DELETE FROM alert_rules WHERE detector_id = ?`, args: [detectorId] },
      ...sorted.map((r) => ({
        sql: `INSERT INTO alert_rules (id, detector_id, json, fetched_at) VALUES (?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET detector_id = excluded.detector_id, json = excluded.json,
              fetched_at = excluded.fetched_at`,
        args: [r.id, detectorId, JSON.stringify(r), now],
      })),
    ];
    await this.db.write(stmts);
    for (const old of this.forDetector(detectorId)) {
      if (!sorted.some((r) => r.id === old.id)) this.states.delete(old.id);
    }
    if (sorted.length) this.byDetector.set(detectorId, sorted);
    else this.byDetector.delete(detectorId);
    return true;
  }

  state(ruleId: number): RuleState | undefined {
    return this.states.get(ruleId);
  }

  /** The statement that persists a rule's state; the memory copy follows once it committed (`commit`). */
  stateStatement(ruleId: number, s: RuleState, now: number): InStatement {
    return {
      sql: `INSERT INTO alert_rule_state (rule_id, condition, state, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (rule_id) DO UPDATE SET condition = excluded.condition, state = excluded.state,
            updated_at = excluded.updated_at`,
      args: [ruleId, s.conditionKey, JSON.stringify(s.state), now],
    };
  }

  commit(ruleId: number, s: RuleState): void {
    this.states.set(ruleId, s);
  }
}
