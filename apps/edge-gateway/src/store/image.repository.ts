/**
 * `images`: the bytes of each stored image, shared by every image query asked of the same frame and counted
 * by reference (migrations.ts: the last image query to go deletes its image).
 */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

/** An image accepted for storage; written together with its image queries. */
export interface StagedImage {
  contentType: string;
  data: Uint8Array;
}

export interface StoredImage {
  bytes: Buffer;
  contentType: string;
}

export class ImageRepository {
  constructor(private readonly db: EdgeDatabase) {}

  /** The image an image query was asked about. */
  async forImageQuery(iqId: string): Promise<StoredImage | null> {
    const rs = await this.db.read({
      sql: `SELECT i.content_type, i.data FROM image_queries q JOIN images i ON i.rowid = q.image_id WHERE q.id = ?`,
      args: [iqId],
    });
    const row = rs.rows[0];
    const data = row?.data;
    if (!row || !(data instanceof ArrayBuffer)) return null;
    return { bytes: Buffer.from(data), contentType: str(row.content_type) };
  }
}
