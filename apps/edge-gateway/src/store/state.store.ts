/**
 * The edge's durable state in `$IO_HOME/state/`: every accepted image query, the escalation outbox, and the
 * caches that let the edge work offline after a restart (detectors, tokens). SQLite via @libsql/client in WAL
 * mode; each image is a blob in its image query's row (last column, so reads of the other columns never touch
 * it): one statement, one commit, no file-per-image syscalls (the bench showed open/write/close per image
 * costing more than the whole rest of an answer).
 *
 * Durability (STATE_DURABILITY):
 * - `process` (default): `synchronous=NORMAL`. In WAL mode a committed transaction is in the WAL file (the OS
 *   page cache) before `COMMIT` returns, so it survives `kill -9` of this process at any point; only a power
 *   loss or kernel crash can drop the last transactions. Costs ~0.2 ms per commit and no fsync on the request
 *   path.
 * - `power`: `synchronous=FULL`: the WAL is fsync'd at every commit, so it also survives power loss, at the
 *   price of an fsync (milliseconds on most disks) per group commit.
 *
 * Writes are group-committed: all writes that arrive in one event-loop turn share one transaction, so a
 * crash leaves either the image query with its image and its escalation, or none of them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client, type InStatement, type Row, type Value } from '@libsql/client';

export type OutboxKind = 'escalation' | 'audit';
export type OutboxState = 'pending' | 'delivered' | 'failed';

/** Parameters of the cloud `POST /image-queries` an escalation sends (query string values). */
export interface EscalationParams {
  patience_time: number;
  confidence_threshold: number;
  human_review: 'DEFAULT' | 'ALWAYS' | 'NEVER' | null;
  /** Decoded metadata: the caller's plus `edge_result` and `reason`. */
  metadata: Record<string, unknown>;
}

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

export interface StagedImage {
  id: string;
  contentType: string;
  bytes: number;
  data: Buffer;
}

export interface NewImageQuery {
  id: string;
  detectorId: string;
  createdAt: number;
  json: string;
  final: boolean;
  image: StagedImage;
  outbox: { kind: OutboxKind; params: EscalationParams } | null;
}

export interface PurgeResult {
  imageQueries: number;
  outbox: number;
}

export interface RetentionLimits {
  days: number;
  maxRows: number;
  maxBytes: number;
}

export interface StateStore {
  stageImage(id: string, bytes: Buffer, contentType: string): StagedImage;
  recordImageQuery(entry: NewImageQuery): Promise<void>;
  getImageQuery(id: string): Promise<StoredImageQuery | null>;
  readImage(id: string): Promise<{ bytes: Buffer; contentType: string } | null>;
  /** Store a newer answer for an image query (for example the cloud's human label). */
  updateImageQuery(id: string, json: string, final: boolean, now: number): Promise<void>;
  markRefreshed(id: string, now: number): Promise<void>;
  /** Escalated image queries whose answer may still change, oldest refresh first. */
  openEscalations(limit: number): Promise<StoredImageQuery[]>;
  /** The oldest pending item of each detector (the outbox sends in order per detector). */
  outboxHeads(): Promise<OutboxItem[]>;
  markDelivered(iqId: string, now: number): Promise<void>;
  markRetry(iqId: string, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  markFailed(iqId: string, attempts: number, error: string, now: number): Promise<void>;
  outboxCounts(): Promise<Record<OutboxState, number>>;
  pendingOutboxCount(): number;
  /** Detectors this edge has image queries for (the detectors it has been asked about). */
  queriedDetectorIds(): Promise<string[]>;
  saveDetector(id: string, json: string, fetchedAt: number): Promise<void>;
  loadDetectors(): Promise<{ id: string; json: string; fetchedAt: number }[]>;
  saveToken(hash: string, valid: boolean, checkedAt: number): Promise<void>;
  loadTokens(): Promise<{ hash: string; valid: boolean; checkedAt: number }[]>;
  getKv(key: string): Promise<string | null>;
  setKv(key: string, value: string): Promise<void>;
  purge(now: number, limits: RetentionLimits): Promise<PurgeResult>;
  close(): Promise<void>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS image_queries (
     id TEXT PRIMARY KEY,
     detector_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     json TEXT NOT NULL,
     image_type TEXT NOT NULL,
     image_bytes INTEGER NOT NULL,
     escalation TEXT NOT NULL DEFAULT 'none',
     final INTEGER NOT NULL,
     refreshed_at INTEGER,
     updated_at INTEGER NOT NULL,
     image BLOB
   )`,
  `CREATE INDEX IF NOT EXISTS image_queries_created ON image_queries (created_at)`,
  `CREATE INDEX IF NOT EXISTS image_queries_open ON image_queries (final, escalation) WHERE final = 0`,
  `CREATE TABLE IF NOT EXISTS outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     iq_id TEXT NOT NULL UNIQUE,
     detector_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     params TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending',
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT,
     created_at INTEGER NOT NULL,
     finished_at INTEGER
   )`,
  `CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at, seq)`,
  `CREATE TABLE IF NOT EXISTS detectors (id TEXT PRIMARY KEY, json TEXT NOT NULL, fetched_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, valid INTEGER NOT NULL, checked_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

interface PendingWrite {
  stmts: InStatement[];
  resolve: () => void;
  reject: (e: unknown) => void;
  onCommit?: () => void;
}

export class LibsqlStateStore implements StateStore {
  private readonly client: Client;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private pending = 0;
  private closed = false;

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.client = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
  }

  static async open(dir: string, durability: 'process' | 'power'): Promise<LibsqlStateStore> {
    const store = new LibsqlStateStore(dir);
    await store.client.execute('PRAGMA journal_mode=WAL');
    await store.client.execute(`PRAGMA synchronous=${durability === 'power' ? 'FULL' : 'NORMAL'}`);
    await store.client.execute('PRAGMA busy_timeout=5000');
    for (const sql of SCHEMA) await store.client.execute(sql);
    // Databases made before images moved into the row.
    const cols = await store.client.execute(`PRAGMA table_info(image_queries)`);
    if (!cols.rows.some((r) => r.name === 'image')) {
      await store.client.execute(`ALTER TABLE image_queries ADD COLUMN image BLOB`);
    }
    const rs = await store.client.execute(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`);
    store.pending = Number(rs.rows[0]?.n ?? 0);
    return store;
  }

  stageImage(id: string, bytes: Buffer, contentType: string): StagedImage {
    return { id, contentType, bytes: bytes.length, data: bytes };
  }

  async recordImageQuery(entry: NewImageQuery): Promise<void> {
    const stmts: InStatement[] = [
      {
        sql: `INSERT INTO image_queries (id, detector_id, created_at, json, image_type, image_bytes, escalation, final, updated_at, image)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          entry.id,
          entry.detectorId,
          entry.createdAt,
          entry.json,
          entry.image.contentType,
          entry.image.bytes,
          entry.outbox ? 'pending' : 'none',
          entry.final ? 1 : 0,
          entry.createdAt,
          entry.image.data,
        ],
      },
    ];
    if (entry.outbox) {
      stmts.push({
        sql: `INSERT INTO outbox (iq_id, detector_id, kind, params, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
        args: [
          entry.id,
          entry.detectorId,
          entry.outbox.kind,
          JSON.stringify(entry.outbox.params),
          entry.createdAt,
          entry.createdAt,
        ],
      });
    }
    await this.write(stmts, entry.outbox ? () => this.pending++ : undefined);
  }

  async getImageQuery(id: string): Promise<StoredImageQuery | null> {
    const rs = await this.client.execute({
      sql: `SELECT id, detector_id, created_at, json, escalation, final, refreshed_at FROM image_queries WHERE id = ?`,
      args: [id],
    });
    const row = rs.rows[0];
    return row ? toStoredIq(row) : null;
  }

  async readImage(id: string): Promise<{ bytes: Buffer; contentType: string } | null> {
    const rs = await this.client.execute({
      sql: `SELECT image_type, image AS data FROM image_queries WHERE id = ?`,
      args: [id],
    });
    const row = rs.rows[0];
    const data = row?.data;
    if (!row || !(data instanceof ArrayBuffer)) return null;
    return { bytes: Buffer.from(data), contentType: str(row.image_type) };
  }

  async updateImageQuery(id: string, json: string, final: boolean, now: number): Promise<void> {
    await this.write([
      {
        sql: `UPDATE image_queries SET json = ?, final = ?, refreshed_at = ?, updated_at = ? WHERE id = ?`,
        args: [json, final ? 1 : 0, now, now, id],
      },
    ]);
  }

  async markRefreshed(id: string, now: number): Promise<void> {
    await this.write([{ sql: `UPDATE image_queries SET refreshed_at = ? WHERE id = ?`, args: [now, id] }]);
  }

  async openEscalations(limit: number): Promise<StoredImageQuery[]> {
    const rs = await this.client.execute({
      sql: `SELECT id, detector_id, created_at, json, escalation, final, refreshed_at FROM image_queries
            WHERE final = 0 AND escalation = 'delivered' ORDER BY COALESCE(refreshed_at, 0) LIMIT ?`,
      args: [limit],
    });
    return rs.rows.map(toStoredIq);
  }

  async outboxHeads(): Promise<OutboxItem[]> {
    const rs = await this.client.execute(
      `SELECT * FROM outbox WHERE seq IN (SELECT MIN(seq) FROM outbox WHERE state = 'pending' GROUP BY detector_id)
       ORDER BY seq`,
    );
    return rs.rows.map(toOutboxItem);
  }

  async markDelivered(iqId: string, now: number): Promise<void> {
    await this.finish(iqId, 'delivered', null, null, now);
  }

  async markFailed(iqId: string, attempts: number, error: string, now: number): Promise<void> {
    await this.finish(iqId, 'failed', attempts, error, now);
  }

  private async finish(
    iqId: string,
    state: 'delivered' | 'failed',
    attempts: number | null,
    error: string | null,
    now: number,
  ): Promise<void> {
    const rs = await this.client.execute({
      sql: `SELECT state FROM outbox WHERE iq_id = ?`,
      args: [iqId],
    });
    const changed = rs.rows[0]?.state === 'pending';
    await this.write(
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

  async markRetry(iqId: string, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.write([
      {
        sql: `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE iq_id = ? AND state = 'pending'`,
        args: [attempts, nextAttemptAt, error, iqId],
      },
    ]);
  }

  async outboxCounts(): Promise<Record<OutboxState, number>> {
    const rs = await this.client.execute(`SELECT state, COUNT(*) AS n FROM outbox GROUP BY state`);
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const row of rs.rows) {
      const s = str(row.state);
      if (s === 'pending' || s === 'delivered' || s === 'failed') out[s] = Number(row.n);
    }
    return out;
  }

  pendingOutboxCount(): number {
    return this.pending;
  }

  async queriedDetectorIds(): Promise<string[]> {
    const rs = await this.client.execute(`SELECT DISTINCT detector_id FROM image_queries`);
    return rs.rows.map((r) => str(r.detector_id));
  }

  async saveDetector(id: string, json: string, fetchedAt: number): Promise<void> {
    await this.write([
      {
        sql: `INSERT INTO detectors (id, json, fetched_at) VALUES (?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at`,
        args: [id, json, fetchedAt],
      },
    ]);
  }

  async loadDetectors(): Promise<{ id: string; json: string; fetchedAt: number }[]> {
    const rs = await this.client.execute(`SELECT id, json, fetched_at FROM detectors`);
    return rs.rows.map((r) => ({ id: str(r.id), json: str(r.json), fetchedAt: Number(r.fetched_at) }));
  }

  async saveToken(hash: string, valid: boolean, checkedAt: number): Promise<void> {
    await this.write([
      {
        sql: `INSERT INTO tokens (hash, valid, checked_at) VALUES (?, ?, ?)
              ON CONFLICT (hash) DO UPDATE SET valid = excluded.valid, checked_at = excluded.checked_at`,
        args: [hash, valid ? 1 : 0, checkedAt],
      },
    ]);
  }

  async loadTokens(): Promise<{ hash: string; valid: boolean; checkedAt: number }[]> {
    const rs = await this.client.execute(`SELECT hash, valid, checked_at FROM tokens`);
    return rs.rows.map((r) => ({
      hash: str(r.hash),
      valid: Number(r.valid) === 1,
      checkedAt: Number(r.checked_at),
    }));
  }

  async getKv(key: string): Promise<string | null> {
    const rs = await this.client.execute({ sql: `SELECT value FROM kv WHERE key = ?`, args: [key] });
    const v = rs.rows[0]?.value;
    return v === undefined || v === null ? null : str(v);
  }

  async setKv(key: string, value: string): Promise<void> {
    await this.write([
      {
        sql: `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        args: [key, value],
      },
    ]);
  }

  /**
   * Delete image queries (and their images) that are past retention and no longer needed: never one with a
   * pending escalation (that would lose data). Oldest first: by age, then down to the row and byte limits.
   */
  async purge(now: number, limits: RetentionLimits): Promise<PurgeResult> {
    const purgeable = `escalation IN ('none', 'delivered', 'failed')`;
    const victims = new Set<string>();
    const old = await this.client.execute({
      sql: `SELECT id FROM image_queries WHERE created_at < ? AND ${purgeable} LIMIT 10000`,
      args: [now - limits.days * 86_400_000],
    });
    for (const r of old.rows) victims.add(str(r.id));
    const totals = await this.client.execute(
      `SELECT COUNT(*) AS n, COALESCE(SUM(image_bytes), 0) AS bytes FROM image_queries`,
    );
    let rows = Number(totals.rows[0]?.n ?? 0) - victims.size;
    let bytes = Number(totals.rows[0]?.bytes ?? 0);
    if (rows > limits.maxRows || bytes > limits.maxBytes) {
      const oldest = await this.client.execute({
        sql: `SELECT id, image_bytes FROM image_queries WHERE ${purgeable} ORDER BY created_at LIMIT ?`,
        args: [Math.max(1000, rows - limits.maxRows + 1000)],
      });
      for (const r of oldest.rows) {
        if (rows <= limits.maxRows && bytes <= limits.maxBytes) break;
        const id = str(r.id);
        if (victims.has(id)) continue;
        victims.add(id);
        rows--;
        bytes -= Number(r.image_bytes);
      }
    }
    const ids = [...victims];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const marks = chunk.map(() => '?').join(',');
      await this.write([
        { sql: `DELETE FROM image_queries WHERE id IN (${marks})`, args: chunk },
        { sql: `DELETE FROM outbox WHERE iq_id IN (${marks}) AND state != 'pending'`, args: chunk },
      ]);
    }
    // Finished outbox rows whose image query is gone (or older than retention).
    const ob = await this.client.execute({
      sql: `DELETE FROM outbox WHERE state != 'pending' AND finished_at < ?`,
      args: [now - limits.days * 86_400_000],
    });
    return { imageQueries: ids.length, outbox: ob.rowsAffected };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.client.close();
  }

  private write(stmts: InStatement[], onCommit?: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ stmts, resolve, reject, ...(onCommit ? { onCommit } : {}) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Commit everything queued in one transaction; on failure retry each write alone so one bad one fails alone. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const only = batch.length === 1 ? batch[0] : undefined;
    if (only && only.stmts.length === 1) {
      // One statement: autocommit is one prepare + step instead of BEGIN / statement / COMMIT.
      try {
        await this.client.execute(only.stmts[0]!);
        only.onCommit?.();
        only.resolve();
      } catch (e) {
        only.reject(e);
      }
      return;
    }
    try {
      await this.client.batch(
        batch.flatMap((w) => w.stmts),
        'write',
      );
      for (const w of batch) {
        w.onCommit?.();
        w.resolve();
      }
    } catch {
      for (const w of batch) {
        try {
          await this.client.batch(w.stmts, 'write');
          w.onCommit?.();
          w.resolve();
        } catch (e) {
          w.reject(e);
        }
      }
    }
  }
}

function toStoredIq(row: Row): StoredImageQuery {
  const esc = str(row.escalation);
  return {
    id: str(row.id),
    detectorId: str(row.detector_id),
    createdAt: Number(row.created_at),
    json: str(row.json),
    escalation: esc === 'pending' || esc === 'delivered' || esc === 'failed' ? esc : 'none',
    final: Number(row.final) === 1,
    refreshedAt: row.refreshed_at === null ? null : Number(row.refreshed_at),
  };
}

function toOutboxItem(row: Row): OutboxItem {
  const kind = str(row.kind) === 'audit' ? 'audit' : 'escalation';
  const state = str(row.state);
  return {
    seq: Number(row.seq),
    iqId: str(row.iq_id),
    detectorId: str(row.detector_id),
    kind,
    params: JSON.parse(str(row.params)) as EscalationParams,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    state: state === 'delivered' || state === 'failed' ? state : 'pending',
    lastError: row.last_error === null ? null : str(row.last_error),
    createdAt: Number(row.created_at),
  };
}

function str(v: Value | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString();
  return Buffer.from(v).toString('utf8');
}
