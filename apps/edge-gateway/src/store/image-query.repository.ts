/**
 * `image_queries`: every image query the edge accepted, with the JSON exactly as last served. A new image query
 * is committed with its image and its escalation in one transaction, before the answer leaves.
 */
import type { InStatement, InValue, Row } from '@libsql/client';
import type { EdgeDatabase } from './edge-database';
import type { StagedImage } from './image.repository';
import {
  OUTBOX_STATES,
  type NewOutboxItem,
  type OutboxRepository,
  type OutboxState,
} from './outbox.repository';
import { numOrNull, oneOf, str } from './sql-values';

export interface StoredImageQuery {
  id: string;
  detectorId: string;
  createdAt: number;
  /** The JSON of the image query exactly as last served. */
  json: string;
  escalation: OutboxState | 'none';
  /** True once the answer can no longer change (edge answer not escalated, or a final cloud answer). */
  final: boolean;
  refreshedAt: number | null;
}

export interface NewImageQuery {
  id: string;
  detectorId: string;
  createdAt: number;
  json: string;
  final: boolean;
  outbox: Pick<NewOutboxItem, 'kind' | 'params'> | null;
}

const COLUMNS = 'id, detector_id, created_at, json, escalation, final, refreshed_at';

export class ImageQueryRepository {
  constructor(
    private readonly db: EdgeDatabase,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * One image and the image queries asked about it (one per detector), with their escalations: one commit.
   * The first image query is inserted with the image in one statement (the REST case is that one statement);
   * the others refer to the same image row.
   */
  async record(image: StagedImage, queries: readonly NewImageQuery[]): Promise<void> {
    const [first, ...rest] = queries;
    if (!first) return;
    const stmts: InStatement[] = [
      {
        sql: `INSERT INTO image_query_with_image
                (${IQ_COLUMNS}, content_type, bytes, refs, data)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [...iqValues(first), image.contentType, image.data.byteLength, queries.length, image.data],
      },
      ...rest.map((q) => ({
        sql: `INSERT INTO image_queries (${IQ_COLUMNS}, image_id)
              VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT image_id FROM image_queries WHERE id = ?))`,
        args: [...iqValues(q), first.id],
      })),
    ];
    let escalations = 0;
    for (const q of queries) {
      if (!q.outbox) continue;
      escalations++;
      stmts.push(
        this.outbox.enqueueStatement({
          ...q.outbox,
          iqId: q.id,
          detectorId: q.detectorId,
          createdAt: q.createdAt,
        }),
      );
    }
    await this.db.write(stmts, escalations > 0 ? () => this.outbox.noteEnqueued(escalations) : undefined);
  }

  async get(id: string): Promise<StoredImageQuery | null> {
    const rs = await this.db.read({ sql: `SELECT ${COLUMNS} FROM image_queries WHERE id = ?`, args: [id] });
    const row = rs.rows[0];
    return row ? toStoredIq(row) : null;
  }

  /** Store a newer answer (for example the cloud's human label). */
  async update(id: string, json: string, final: boolean, now: number): Promise<void> {
    await this.db.write([
      {
        sql: `UPDATE image_queries SET json = ?, final = ?, refreshed_at = ?, updated_at = ? WHERE id = ?`,
        args: [json, final ? 1 : 0, now, now, id],
      },
    ]);
  }

  async markRefreshed(id: string, now: number): Promise<void> {
    await this.db.write([{ sql: `UPDATE image_queries SET refreshed_at = ? WHERE id = ?`, args: [now, id] }]);
  }

  /** Delivered escalations whose answer may still change, least recently refreshed first. */
  async openEscalations(limit: number): Promise<StoredImageQuery[]> {
    const rs = await this.db.read({
      sql: `SELECT ${COLUMNS} FROM image_queries
            WHERE final = 0 AND escalation = 'delivered' ORDER BY COALESCE(refreshed_at, 0) LIMIT ?`,
      args: [limit],
    });
    return rs.rows.map(toStoredIq);
  }

  /** The newest image queries of a detector (listings through the edge include what it just accepted). */
  async recentForDetector(detectorId: string, limit: number): Promise<StoredImageQuery[]> {
    const rs = await this.db.read({
      sql: `SELECT ${COLUMNS} FROM image_queries WHERE detector_id = ? ORDER BY created_at DESC LIMIT ?`,
      args: [detectorId, limit],
    });
    return rs.rows.map(toStoredIq);
  }

  /** Detectors this edge has image queries for (the detectors it has been asked about). */
  async detectorIds(): Promise<string[]> {
    const rs = await this.db.read(`SELECT DISTINCT detector_id FROM image_queries`);
    return rs.rows.map((r) => str(r.detector_id));
  }
}

/** The columns every new image query row sets, in the order of `iqValues`. */
const IQ_COLUMNS = 'id, detector_id, created_at, json, escalation, final, updated_at';

function iqValues(q: NewImageQuery): InValue[] {
  return [
    q.id,
    q.detectorId,
    q.createdAt,
    q.json,
    q.outbox ? 'pending' : 'none',
    q.final ? 1 : 0,
    q.createdAt,
  ];
}

function toStoredIq(row: Row): StoredImageQuery {
  return {
    id: str(row.id),
    detectorId: str(row.detector_id),
    createdAt: Number(row.created_at),
    json: str(row.json),
    escalation: oneOf<OutboxState | 'none'>(row.escalation, OUTBOX_STATES, 'none'),
    final: Number(row.final) === 1,
    refreshedAt: numOrNull(row.refreshed_at),
  };
}
