/**
 * The alert tables of the edge database (listed in store/migrations.ts FEATURE_TABLES) and the durable
 * outbox of alert deliveries: one row per firing × destination (a webhook URL, an MQTT topic, the cloud),
 * written in the same transaction as the rule state that fired it, so a firing is neither lost nor doubled by
 * a crash or restart. Rows stay after delivery (state 'sent' or 'dead') as the edge's alert log; retention
 * trims the finished ones.
 */
import type { InStatement } from '@libsql/client';
import type { EdgeDatabase } from '../store/edge-database';
import { numOrNull, str } from '../store/sql-values';
import { DELIVERY_COLUMNS } from '../store/delivery-columns';

export const ALERT_TABLES: readonly string[] = [
  // The rules of the served detectors as last fetched from the cloud (kept offline).
  `CREATE TABLE IF NOT EXISTS alert_rules (
     id INTEGER PRIMARY KEY,
     detector_id TEXT NOT NULL,
     json TEXT NOT NULL,
     fetched_at INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS alert_rules_detector ON alert_rules (detector_id)`,
  // Each rule's condition state (libs/decision alert-condition.ts); reset when its condition changes.
  `CREATE TABLE IF NOT EXISTS alert_rule_state (
     rule_id INTEGER PRIMARY KEY,
     condition TEXT NOT NULL,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   )`,
  // Per detector, the last answer the rules took (created_at, id): answers stored after it but not evaluated
  // (the process died in between) are evaluated at the next start.
  `CREATE TABLE IF NOT EXISTS alert_cursor (
     detector_id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     iq_id TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS alert_outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     alert_id TEXT NOT NULL,
     rule_id INTEGER NOT NULL,
     channel TEXT NOT NULL,
     target TEXT NOT NULL,
     body TEXT NOT NULL,
     headers TEXT NOT NULL,
     ${DELIVERY_COLUMNS},
     UNIQUE (alert_id, channel, target)
   )`,
  `CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (state, next_attempt_at, seq)`,
];

export type AlertChannel = 'webhook' | 'mqtt' | 'cloud';

/** One delivery to make: `body` is sent as is (rendered when the alert fired). */
export interface AlertDelivery {
  alertId: string;
  ruleId: number;
  channel: AlertChannel;
  /** The webhook URL, the MQTT topic, or the cloud path. */
  target: string;
  body: string;
  headers: Record<string, string>;
}

export interface OutboxRow extends AlertDelivery {
  seq: number;
  state: 'pending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export class AlertOutbox {
  constructor(private readonly db: EdgeDatabase) {}

  /** Statements that enqueue the deliveries (committed by the caller with the rule state). */
  enqueue(deliveries: readonly AlertDelivery[], now: number): InStatement[] {
    return deliveries.map((d) => ({
      sql: `INSERT OR IGNORE INTO alert_outbox
              (alert_id, rule_id, channel, target, body, headers, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [d.alertId, d.ruleId, d.channel, d.target, d.body, JSON.stringify(d.headers), now, now],
    }));
  }

  /** Pending deliveries whose time has come, oldest first. */
  async due(now: number, limit: number): Promise<OutboxRow[]> {
    const rs = await this.db.read({
      sql: `SELECT * FROM alert_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT ?`,
      args: [now, limit],
    });
    return rs.rows.map((r) => toRow(r as unknown as Record<string, never>));
  }

  /** When the next pending delivery is due (null: none pending). */
  async nextDueAt(): Promise<number | null> {
    const rs = await this.db.read(
      `SELECT MIN(next_attempt_at) AS at FROM alert_outbox WHERE state = 'pending'`,
    );
    return numOrNull(rs.rows[0]?.at);
  }

  async sent(seq: number, now: number): Promise<void> {
    await this.db.write([
      {
        sql: `UPDATE alert_outbox SET state = 'sent', attempts = attempts + 1, finished_at = ?, last_error = NULL WHERE seq = ?`,
        args: [now, seq],
      },
    ]);
  }

  async retry(seq: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.db.write([
      {
        sql: `UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?`,
        args: [nextAttemptAt, error.slice(0, 500), seq],
      },
    ]);
  }

  async dead(seq: number, now: number, error: string): Promise<void> {
    await this.db.write([
      {
        sql: `UPDATE alert_outbox SET state = 'dead', attempts = attempts + 1, finished_at = ?, last_error = ? WHERE seq = ?`,
        args: [now, error.slice(0, 500), seq],
      },
    ]);
  }

  /** Every row of one alert or of the whole log, oldest first (tests and operators). */
  async list(filter: { alertId?: string; ruleId?: number } = {}): Promise<OutboxRow[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.alertId !== undefined) {
      where.push('alert_id = ?');
      args.push(filter.alertId);
    }
    if (filter.ruleId !== undefined) {
      where.push('rule_id = ?');
      args.push(filter.ruleId);
    }
    const rs = await this.db.read({
      sql: `SELECT * FROM alert_outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`,
      args,
    });
    return rs.rows.map((r) => toRow(r as unknown as Record<string, never>));
  }

  async pendingCount(): Promise<number> {
    const rs = await this.db.read(`SELECT COUNT(*) AS n FROM alert_outbox WHERE state = 'pending'`);
    return Number(rs.rows[0]?.n ?? 0);
  }

  /** Finished rows older than `before` go (the log is bounded; pending rows always stay). */
  async prune(before: number): Promise<void> {
    await this.db.write([
      { sql: `DELETE FROM alert_outbox WHERE state != 'pending' AND finished_at < ?`, args: [before] },
    ]);
  }
}

function toRow(r: Record<string, Parameters<typeof str>[0]>): OutboxRow {
  return {
    seq: Number(r.seq),
    alertId: str(r.alert_id),
    ruleId: Number(r.rule_id),
    channel: str(r.channel) as AlertChannel,
    target: str(r.target),
    body: str(r.body),
    headers: JSON.parse(str(r.headers)) as Record<string, string>,
    state: str(r.state) as OutboxRow['state'],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error === null || r.last_error === undefined ? null : str(r.last_error),
    createdAt: Number(r.created_at),
    finishedAt: numOrNull(r.finished_at),
  };
}
