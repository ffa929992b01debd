/**
 * `outbox`: the escalations waiting for the cloud, one per image query, sent in order per detector. Settling
 * an item also sets its image query's `escalation` state (the read path shows whether the cloud has it).
 *
 * States: `pending` → `delivered`; or → `dead` (a dead letter: set aside with its cause, its image kept, no
 * longer holding up its detector) → `pending` again (retried by an admin) or `failed` (discarded); or
 * → `shed` (dropped by the pending cap on bytes/age; its image becomes purgeable).
 */
import type { InStatement, Row } from '@libsql/client';
import type { OutboxKind } from '@intellioptics/decision';
import type { EscalationParams } from '../escalation/escalation-params';
import type { DeadCause } from '../escalation/retry-policy';
import type { EdgeDatabase } from './edge-database';
import { oneOf, str, strOrNull } from './sql-values';

export type OutboxState = 'pending' | 'delivered' | 'failed' | 'dead' | 'shed';

export interface DeadLetter {
  iqId: string;
  detectorId: string;
  kind: OutboxKind;
  attempts: number;
  cause: DeadCause;
  lastError: string | null;
  createdAt: number;
  deadAt: number;
}

const DEAD_CAUSES: readonly DeadCause[] = ['CONFLICT', 'REFUSED', 'MAX_ATTEMPTS', 'IMAGE_MISSING'];
export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'delivered', 'failed', 'dead', 'shed'];

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
  private dead = 0;

  constructor(private readonly db: EdgeDatabase) {}

  async init(): Promise<void> {
    const counts = await this.counts();
    this.pending = counts.pending;
    this.dead = counts.dead;
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

  deadCount(): number {
    return this.dead;
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

  /** Set aside as a dead letter: no longer pending (its detector's next item goes), kept with its image. */
  async markDead(
    iqId: string,
    attempts: number,
    cause: DeadCause,
    error: string,
    now: number,
  ): Promise<void> {
    const rs = await this.db.read({ sql: `SELECT state FROM outbox WHERE iq_id = ?`, args: [iqId] });
    const changed = rs.rows[0]?.state === 'pending';
    await this.db.write(
      [
        {
          sql: `UPDATE outbox SET state = 'dead', attempts = ?, dead_cause = ?, last_error = ?, finished_at = ?
                WHERE iq_id = ? AND state = 'pending'`,
          args: [attempts, cause, error, now, iqId],
        },
        {
          sql: `UPDATE image_queries SET escalation = 'dead', updated_at = ? WHERE id = ?`,
          args: [now, iqId],
        },
      ],
      changed
        ? () => {
            this.pending--;
            this.dead++;
          }
        : undefined,
    );
  }

  /** Dead letters, most recent first. */
  async deadLetters(limit: number, offset = 0): Promise<DeadLetter[]> {
    const rs = await this.db.read({
      sql: `SELECT iq_id, detector_id, kind, attempts, dead_cause, last_error, created_at, finished_at
            FROM outbox WHERE state = 'dead' ORDER BY finished_at DESC, seq DESC LIMIT ? OFFSET ?`,
      args: [limit, offset],
    });
    return rs.rows.map((r) => {
      const cause = str(r.dead_cause) as DeadCause;
      return {
        iqId: str(r.iq_id),
        detectorId: str(r.detector_id),
        kind: str(r.kind) === 'audit' ? 'audit' : 'escalation',
        attempts: Number(r.attempts),
        cause: DEAD_CAUSES.includes(cause) ? cause : 'REFUSED',
        lastError: r.last_error === null ? null : str(r.last_error),
        createdAt: Number(r.created_at),
        deadAt: Number(r.finished_at),
      };
    });
  }

  /** A dead letter back in the queue (fresh attempts, due now, in its old place); false when there is none. */
  retryDead(iqId: string, now: number): Promise<boolean> {
    return this.leaveDead(iqId, now, 'pending');
  }

  /** A dead letter given up for good (its image query becomes purgeable); false when there is none. */
  discardDead(iqId: string, now: number): Promise<boolean> {
    return this.leaveDead(iqId, now, 'failed');
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
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, failed: 0, dead: 0, shed: 0 };
    for (const row of rs.rows) {
      const s = str(row.state) as OutboxState;
      if (OUTBOX_STATES.includes(s)) out[s] = Number(row.n);
    }
    return out;
  }

  /**
   * Pending escalations beyond the cap, oldest first: every one created before `olderThan`, then the oldest
   * until the rest hold at most `maxBytes` of images. Each is marked `shed` (an image query whose image
   * another pending item shares keeps it).
   */
  async shed(olderThan: number, maxBytes: number, now: number): Promise<{ age: number; bytes: number }> {
    const rs = await this.db.read(
      `SELECT o.iq_id, o.created_at, COALESCE(i.bytes, 0) AS bytes FROM outbox o
       LEFT JOIN image_queries q ON q.id = o.iq_id LEFT JOIN images i ON i.rowid = q.image_id
       WHERE o.state = 'pending' ORDER BY o.seq DESC`,
    );
    const byAge: string[] = [];
    const byBytes: string[] = [];
    let kept = 0;
    for (const r of rs.rows) {
      const bytes = Number(r.bytes);
      if (Number(r.created_at) < olderThan) byAge.push(str(r.iq_id));
      else if (kept + bytes > maxBytes) byBytes.push(str(r.iq_id));
      else kept += bytes;
    }
    const victims = [...byAge, ...byBytes];
    if (victims.length === 0) return { age: 0, bytes: 0 };
    let shed = 0;
    for (let i = 0; i < victims.length; i += 500) {
      const ids = victims.slice(i, i + 500);
      const marks = ids.map(() => '?').join(', ');
      await this.db.write(
        [
          {
            sql: `UPDATE outbox SET state = 'shed', last_error = 'shed: pending cap', finished_at = ?
                  WHERE state = 'pending' AND iq_id IN (${marks})`,
            args: [now, ...ids],
          },
          {
            sql: `UPDATE image_queries SET escalation = 'failed', updated_at = ? WHERE id IN (${marks})`,
            args: [now, ...ids],
          },
        ],
        () => (shed += ids.length),
      );
    }
    this.pending -= shed;
    return { age: byAge.length, bytes: byBytes.length };
  }

  private async leaveDead(iqId: string, now: number, to: 'pending' | 'failed'): Promise<boolean> {
    const rs = await this.db.read({ sql: `SELECT state FROM outbox WHERE iq_id = ?`, args: [iqId] });
    if (rs.rows[0]?.state !== 'dead') return false;
    const outbox =
      to === 'pending'
        ? `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, dead_cause = NULL,
             finished_at = NULL WHERE iq_id = ? AND state = 'dead'`
        : `UPDATE outbox SET state = 'failed', finished_at = ? WHERE iq_id = ? AND state = 'dead'`;
    await this.db.write(
      [
        { sql: outbox, args: [now, iqId] },
        {
          sql: `UPDATE image_queries SET escalation = ?, updated_at = ? WHERE id = ?`,
          args: [to, now, iqId],
        },
      ],
      () => {
        this.dead--;
        if (to === 'pending') this.pending++;
      },
    );
    return true;
  }

  private async finish(
    iqId: string,
    state: 'delivered',
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
  return {
    seq: Number(row.seq),
    iqId: str(row.iq_id),
    detectorId: str(row.detector_id),
    kind: oneOf(row.kind, ['audit', 'escalation'], 'escalation'),
    params: JSON.parse(str(row.params)) as EscalationParams,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    state: oneOf(row.state, OUTBOX_STATES, 'pending'),
    lastError: strOrNull(row.last_error),
    createdAt: Number(row.created_at),
  };
}
