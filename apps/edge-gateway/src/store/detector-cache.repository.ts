/**
 * `detectors`: the cloud's detector descriptions as last fetched, so an edge restarting offline knows them.
 * At most `maxRows` are kept (DETECTOR_CACHE_MAX), the least recently fetched go first.
 */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export interface CachedDetectorRow {
  id: string;
  json: string;
  fetchedAt: number;
}

export class DetectorCacheRepository {
  constructor(
    private readonly db: EdgeDatabase,
    private readonly maxRows = 10_000,
  ) {}

  async save(id: string, json: string, fetchedAt: number): Promise<void> {
    await this.db.write([
      {
        sql: `INSERT INTO detectors (id, json, fetched_at) VALUES (?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at`,
        args: [id, json, fetchedAt],
      },
      {
        sql: `DELETE FROM detectors WHERE id IN (SELECT id FROM detectors ORDER BY fetched_at DESC LIMIT -1 OFFSET ?)`,
        args: [this.maxRows],
      },
    ]);
  }

  /** A detector deleted in the cloud (through this edge): forgotten here too. */
  async delete(id: string): Promise<void> {
    await this.db.write([{ sql: `DELETE FROM detectors WHERE id = ?`, args: [id] }]);
  }

  async loadAll(): Promise<CachedDetectorRow[]> {
    const rs = await this.db.read({
      sql: `SELECT id, json, fetched_at FROM detectors ORDER BY fetched_at DESC LIMIT ?`,
      args: [this.maxRows],
    });
    return rs.rows.map((r) => ({ id: str(r.id), json: str(r.json), fetchedAt: Number(r.fetched_at) }));
  }
}
