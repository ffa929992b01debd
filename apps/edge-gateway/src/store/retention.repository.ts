/**
 * Retention: deletes image queries that are past their limits and no longer needed, never one with a pending
 * escalation (that would lose data); an image goes with the last image query that refers to it (a trigger,
 * migrations.ts). Oldest first: by age, then down to the row and byte limits (an image shared by k image
 * queries counts 1/k towards each).
 */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export interface RetentionLimits {
  days: number;
  maxRows: number;
  maxBytes: number;
}

export interface PurgeResult {
  imageQueries: number;
  outbox: number;
}

const PURGEABLE = `escalation IN ('none', 'delivered', 'failed')`;
const CHUNK = 500;

export class RetentionRepository {
  constructor(private readonly db: EdgeDatabase) {}

  async purge(now: number, limits: RetentionLimits): Promise<PurgeResult> {
    const cutoff = now - limits.days * 86_400_000;
    const victims = new Set<string>();
    const old = await this.db.read({
      sql: `SELECT id FROM image_queries WHERE created_at < ? AND ${PURGEABLE} LIMIT 10000`,
      args: [cutoff],
    });
    for (const r of old.rows) victims.add(str(r.id));
    const rowCount = await this.db.read(`SELECT COUNT(*) AS n FROM image_queries`);
    const byteCount = await this.db.read(`SELECT COALESCE(SUM(bytes), 0) AS bytes FROM images`);
    let rows = Number(rowCount.rows[0]?.n ?? 0) - victims.size;
    let bytes = Number(byteCount.rows[0]?.bytes ?? 0);
    if (rows > limits.maxRows || bytes > limits.maxBytes) {
      const oldest = await this.db.read({
        sql: `SELECT q.id, COALESCE(i.bytes, 0) AS bytes, COALESCE(i.refs, 1) AS refs
              FROM image_queries q LEFT JOIN images i ON i.rowid = q.image_id
              WHERE q.${PURGEABLE} ORDER BY q.created_at LIMIT ?`,
        args: [Math.max(1000, rows - limits.maxRows + 1000)],
      });
      for (const r of oldest.rows) {
        if (rows <= limits.maxRows && bytes <= limits.maxBytes) break;
        const id = str(r.id);
        if (victims.has(id)) continue;
        victims.add(id);
        rows--;
        bytes -= Number(r.bytes) / Math.max(1, Number(r.refs));
      }
    }
    const ids = [...victims];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const marks = chunk.map(() => '?').join(',');
      await this.db.write([
        { sql: `DELETE FROM image_queries WHERE id IN (${marks})`, args: chunk },
        { sql: `DELETE FROM outbox WHERE iq_id IN (${marks}) AND state != 'pending'`, args: chunk },
      ]);
    }
    // Finished outbox rows whose image query is gone (or older than retention).
    const before = await this.db.read({
      sql: `SELECT COUNT(*) AS n FROM outbox WHERE state != 'pending' AND finished_at < ?`,
      args: [cutoff],
    });
    await this.db.write([
      { sql: `DELETE FROM outbox WHERE state != 'pending' AND finished_at < ?`, args: [cutoff] },
    ]);
    return { imageQueries: ids.length, outbox: Number(before.rows[0]?.n ?? 0) };
  }
}
