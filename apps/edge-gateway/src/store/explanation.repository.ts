/**
 * `explanations`: the explanation of each image query the edge answered (libs/schema explanation.ts), one row
 * per image query, as JSON. Written in the same group commit as its image query (edge-database.ts: writes
 * queued in one event-loop turn share one transaction), so a crash leaves both or neither. A trigger deletes
 * the row with its image query, so retention (retention.repository.ts) needs no change to drop it.
 */
import type { InStatement } from '@libsql/client';
import { ExplanationSchema, type Explanation } from '@intellioptics/schema';
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

/** Listed in migrations.ts `FEATURE_TABLES` (idempotent, run on every start). */
export const EXPLANATION_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS explanations (iq_id TEXT PRIMARY KEY, json TEXT NOT NULL)`,
  `CREATE TRIGGER IF NOT EXISTS explanations_follow_image_query AFTER DELETE ON image_queries
   BEGIN
     DELETE FROM explanations WHERE iq_id = OLD.id;
   END`,
];

export class ExplanationRepository {
  constructor(private readonly db: EdgeDatabase) {}

  /**
   * Queue the explanations for the next group commit. Call it in the same turn as the image queries' write
   * (no await in between) and they commit together.
   */
  save(items: readonly { iqId: string; explanation: Explanation }[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return this.db.write(items.map((i) => saveStatement(i.iqId, i.explanation)));
  }

  /** The stored explanation; null when the edge has none for that id (or a row it cannot read). */
  async get(iqId: string): Promise<Explanation | null> {
    const rs = await this.db.read({ sql: `SELECT json FROM explanations WHERE iq_id = ?`, args: [iqId] });
    const row = rs.rows[0];
    if (!row) return null;
    try {
      const parsed = ExplanationSchema.safeParse(JSON.parse(str(row.json)));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}

function saveStatement(iqId: string, explanation: Explanation): InStatement {
  return {
    sql: `INSERT INTO explanations (iq_id, json) VALUES (?, ?)
          ON CONFLICT (iq_id) DO UPDATE SET json = excluded.json`,
    args: [iqId, JSON.stringify(explanation)],
  };
}
