/**
 * `outbox`: the escalations waiting for the cloud, one per image query, sent in order per detector. Settling
 * an item also sets its image query's `escalation` state (the read path shows whether the cloud has it).
 */
import type { InStatement, Row } from '@libsql/client';
import type { OutboxKind } from '@intellioptics/decision';
import type { EscalationParams } from '../escalation/escalation-params';
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxItem {
  seq: number;
  iqId: string;
  detectorId: string;
  kind: OutboxKind;
  params: EscalationParams;
  attempts: number;
  nextAttemptAt: number;
  state: OutboxState;
  lastError: string | null;
  createdAt: number;
}

export interface NewOutboxItem {
  iqId: string;
  detectorId: string;
  kind: OutboxKind;
  params: EscalationParams;
  createdAt: number;
}

export class OutboxRepository {
  private pending = 0;

  constructor(private readonly db: EdgeDatabase) {}

  async init(): Promise<void> {
    const rs = await this.db.read(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`);
    this.pending = Number(rs.rows[0]?.n ?? 0);
  }

  /** The insert of a new pending item (committed with its image query). */
  enqueueStatement(item: NewOutboxItem): InStatement {
    return {
      sql: `INSERT INTO outbox (iq_id, detector_id, kind, params, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      args: [
        item.iqId,
        item.detectorId,
        item.kind,
        JSON.stringify(item.params),
        item.createdAt,
        item.createdAt,
      ],
    };
  }

  /** Called once enqueued items are committed. */
  noteEnqueued(n: number): void {
    this.pending += n;
  }

  pendingCount(): number {
    return this.pending;
  }

  /** The oldest pending item of each detector (the outbox sends in order per detector). */
  async heads(): Promise<OutboxItem[]> {
    const rs = await this.db.read(
      `SELECT * FROM outbox WHERE seq IN (SELECT MIN(seq) FROM outbox WHERE state = 'pending' GROUP BY detector_id)
       ORDER BY seq`,
    );
    return rs.rows.map(toOutboxItem);
  }

  markDelivered(iqId: string, now: number): Promise<void> {
    return this.finish(iqId, 'delivered', null, null, now);
  }

  markFailed(iqId: string, attempts: number, error: string, now: number): Promise<void> {
    return this.finish(iqId, 'failed', attempts, error, now);
  }

  async markRetry(iqId: string, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.db.write([
      {
        sql: `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE iq_id = ? AND state = 'pending'`,
        args: [attempts, nextAttemptAt, error, iqId],
      },
    ]);
  }

  async counts(): Promise<Record<OutboxState, number>> {
    const rs = await this.db.read(`SELECT state, COUNT(*) AS n FROM outbox GROUP BY state`);
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const row of rs.rows) {
      const s = str(row.state);
      if (s === 'pending' || s === 'delivered' || s === 'failed') out[s] = Number(row.n);
    }
    return out;
  }

  private async finish(
    iqId: string,
    state: 'delivered' | 'failed',
    attempts: number | null,
    error: string | null,
    now: number,
  ): Promise<void> {
    const rs = await this.db.read({ sql: `SELECT state FROM outbox WHERE iq_id = ?`, args: [iqId] });
    const changed = rs.rows[0]?.state === 'pending';
    await this.db.write(
      [
        {
          sql: `UPDATE outbox SET state = ?, attempts = COALESCE(?, attempts + 1), last_error = ?, finished_at = ?
                WHERE iq_id = ? AND state = 'pending'`,
          args: [state, attempts, error, now, iqId],
        },
        {
          sql: `UPDATE image_queries SET escalation = ?, updated_at = ? WHERE id = ?`,
          args: [state, now, iqId],
        },
      ],
      changed ? () => this.pending-- : undefined,
    );
  }
}

function toOutboxItem(row: Row): OutboxItem {
  const state = str(row.state);
  return {
    seq: Number(row.seq),
    iqId: str(row.iq_id),
    detectorId: str(row.detector_id),
    kind: str(row.kind) === 'audit' ? 'audit' : 'escalation',
    params: JSON.parse(str(row.params)) as EscalationParams,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    state: state === 'delivered' || state === 'failed' ? state : 'pending',
    lastError: row.last_error === null ? null : str(row.last_error),
    createdAt: Number(row.created_at),
  };
}
