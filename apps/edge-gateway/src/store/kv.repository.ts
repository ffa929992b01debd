/** `kv`: small named values (the cloud's subgraph SDL for offline federation). */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export class KvRepository {
  constructor(private readonly db: EdgeDatabase) {}

  async get(key: string): Promise<string | null> {
    const rs = await this.db.read({ sql: `SELECT value FROM kv WHERE key = ?`, args: [key] });
    const v = rs.rows[0]?.value;
    return v === undefined || v === null ? null : str(v);
  }

  async set(key: string, value: string): Promise<void> {
    await this.db.write([
      {
        sql: `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        args: [key, value],
      },
    ]);
  }
}
