/** `detectors`: the cloud's detector descriptions as last fetched, so an edge restarting offline knows them. */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export interface CachedDetectorRow {
  id: string;
  json: string;
  fetchedAt: number;
}

export class DetectorCacheRepository {
  constructor(private readonly db: EdgeDatabase) {}

  async save(id: string, json: string, fetchedAt: number): Promise<void> {
    await this.db.write([
      {
        sql: `INSERT INTO detectors (id, json, fetched_at) VALUES (?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at`,
        args: [id, json, fetchedAt],
      },
    ]);
  }

  async loadAll(): Promise<CachedDetectorRow[]> {
    const rs = await this.db.read(`SELECT id, json, fetched_at FROM detectors`);
    return rs.rows.map((r) => ({ id: str(r.id), json: str(r.json), fetchedAt: Number(r.fetched_at) }));
  }
}
