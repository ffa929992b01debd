/**
 * The schema of the edge database, versioned with `PRAGMA user_version`.
 *
 * - 1: (unversioned, before this file) each image query row carried its image BLOB, type and size.
 * - 2: (briefly) images in a table keyed by text id.
 * - 3: images in their own rowid table with a reference count, `image_queries.image_id` pointing at one, so a
 *   camera frame asked of N detectors is stored once for its N image queries. Triggers keep the count: deleting
 *   an image query releases its image, the last one deletes it. Migrating keeps every image query, image,
 *   escalation and cache entry.
 * - 4: `outbox.dead_cause` (why an escalation was set aside as a dead letter: state 'dead'), and indexes that
 *   keep the bounded token and detector caches cheap to prune.
 *
 * `image_query_with_image` (a view with an INSTEAD OF trigger) inserts an image query with its image in one
 * statement: a lone statement commits without BEGIN/COMMIT, the common REST case. The rowid table and the
 * count (instead of an index on image_id) keep the insert close to the version 1 cost (bench: ~0.1 ms more).
 */
import type { Client } from '@libsql/client';
import { EXPLANATION_TABLES } from './explanation.repository';
import { ALERT_TABLES } from '../alerts/alert.outbox';
import { DELIVERY_COLUMNS } from './delivery-columns';

const VERSION = 4;

const IMAGE_QUERIES = `CREATE TABLE image_queries (
   id TEXT PRIMARY KEY,
   detector_id TEXT NOT NULL,
   created_at INTEGER NOT NULL,
   json TEXT NOT NULL,
   image_id INTEGER NOT NULL,
   escalation TEXT NOT NULL DEFAULT 'none',
   final INTEGER NOT NULL,
   refreshed_at INTEGER,
   updated_at INTEGER NOT NULL
 )`;

const IMAGES = `CREATE TABLE images (
   content_type TEXT NOT NULL,
   bytes INTEGER NOT NULL,
   refs INTEGER NOT NULL,
   created_at INTEGER NOT NULL,
   data BLOB NOT NULL
 )`;

const INDEXES = [
  `CREATE INDEX IF NOT EXISTS image_queries_created ON image_queries (created_at)`,
  `CREATE INDEX IF NOT EXISTS image_queries_open ON image_queries (final, escalation) WHERE final = 0`,
];

const TRIGGERS = [
  `CREATE VIEW IF NOT EXISTS image_query_with_image AS
   SELECT q.id, q.detector_id, q.created_at, q.json, q.escalation, q.final, q.updated_at,
          i.content_type, i.bytes, i.refs, i.data
   FROM image_queries q JOIN images i ON i.rowid = q.image_id`,
  `CREATE TRIGGER IF NOT EXISTS image_query_with_image_insert INSTEAD OF INSERT ON image_query_with_image
   BEGIN
     INSERT INTO images (content_type, bytes, refs, created_at, data)
       VALUES (NEW.content_type, NEW.bytes, NEW.refs, NEW.created_at, NEW.data);
     INSERT INTO image_queries (id, detector_id, created_at, json, image_id, escalation, final, updated_at)
       VALUES (NEW.id, NEW.detector_id, NEW.created_at, NEW.json, last_insert_rowid(), NEW.escalation,
               NEW.final, NEW.updated_at);
   END`,
  `CREATE TRIGGER IF NOT EXISTS image_queries_release_image AFTER DELETE ON image_queries
   BEGIN
     UPDATE images SET refs = refs - 1 WHERE rowid = OLD.image_id;
     DELETE FROM images WHERE rowid = OLD.image_id AND refs <= 0;
   END`,
];

/** Version 4: dead letters and cache bounds. */
const VERSION_4 = [
  `CREATE INDEX IF NOT EXISTS tokens_checked ON tokens (checked_at)`,
  `CREATE INDEX IF NOT EXISTS detectors_fetched ON detectors (fetched_at)`,
  `CREATE INDEX IF NOT EXISTS outbox_dead ON outbox (state, finished_at) WHERE state = 'dead'`,
];

/** Tables unchanged since version 1 (the outbox gets `dead_cause` in version 4). */
const STABLE_TABLES = [
  `CREATE TABLE IF NOT EXISTS outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     iq_id TEXT NOT NULL UNIQUE,
     detector_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     params TEXT NOT NULL,
     ${DELIVERY_COLUMNS},
     dead_cause TEXT
   )`,
  `CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at, seq)`,
  `CREATE TABLE IF NOT EXISTS detectors (id TEXT PRIMARY KEY, json TEXT NOT NULL, fetched_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, valid INTEGER NOT NULL, checked_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

/**
 * Tables of later features (explanations, compound detectors, alerts...): each feature exports its own
 * `CREATE TABLE IF NOT EXISTS` / `CREATE INDEX IF NOT EXISTS` statements and is listed here. They run on every
 * start (idempotent), so adding a feature's table needs no version bump; changing an existing table does.
 */
const FEATURE_TABLES: readonly string[] = [...EXPLANATION_TABLES, ...ALERT_TABLES];

export async function migrate(client: Client): Promise<void> {
  const version = Number((await client.execute('PRAGMA user_version')).rows[0]?.user_version ?? 0);
  if (version >= VERSION) {
    await client.batch([...TRIGGERS, ...FEATURE_TABLES], 'write');
    return;
  }
  const tables = await client.execute(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view')`);
  const has = (name: string) => tables.rows.some((r) => r.name === name);
  if (has('outbox')) {
    const cols = await client.execute(`PRAGMA table_info(outbox)`);
    if (!cols.rows.some((r) => r.name === 'dead_cause')) {
      await client.execute(`ALTER TABLE outbox ADD COLUMN dead_cause TEXT`);
    }
  }
  const stmts =
    version === 3
      ? []
      : !has('image_queries')
        ? [IMAGE_QUERIES, IMAGES]
        : has('images')
          ? fromVersion2()
          : await fromVersion1(client);
  await client.batch(
    [
      ...STABLE_TABLES,
      ...stmts,
      ...INDEXES,
      ...VERSION_4,
      ...TRIGGERS,
      ...FEATURE_TABLES,
      `PRAGMA user_version = ${VERSION}`,
    ],
    'write',
  );
}

/** The image query table rebuilt with `image_id` from `imageIdOf` (an expression over the old row `q`). */
function rebuildImageQueries(imageIdOf: string): string[] {
  return [
    IMAGE_QUERIES.replace('CREATE TABLE image_queries', 'CREATE TABLE image_queries_v3'),
    `INSERT INTO image_queries_v3 (id, detector_id, created_at, json, image_id, escalation, final, refreshed_at, updated_at)
     SELECT q.id, q.detector_id, q.created_at, q.json, ${imageIdOf}, q.escalation, q.final, q.refreshed_at, q.updated_at
     FROM image_queries q`,
    `DROP VIEW IF EXISTS image_query_with_image`,
    `DROP TABLE image_queries`,
    `ALTER TABLE image_queries_v3 RENAME TO image_queries`,
  ];
}

/** Version 1 → 3: each row's image moves into `images` under the row's rowid. */
async function fromVersion1(client: Client): Promise<string[]> {
  const cols = await client.execute(`PRAGMA table_info(image_queries)`);
  const hasBlob = cols.rows.some((r) => r.name === 'image');
  return [
    IMAGES,
    ...(hasBlob
      ? [
          `INSERT INTO images (rowid, content_type, bytes, refs, created_at, data)
           SELECT rowid, image_type, image_bytes, 1, created_at, image FROM image_queries WHERE image IS NOT NULL`,
        ]
      : []),
    ...rebuildImageQueries('q.rowid'),
  ];
}

/** Version 2 → 3: text-keyed images get rowids and reference counts. */
function fromVersion2(): string[] {
  return [
    IMAGES.replace('CREATE TABLE images', 'CREATE TABLE images_v3'),
    `INSERT INTO images_v3 (rowid, content_type, bytes, refs, created_at, data)
     SELECT i.rowid, i.content_type, i.bytes, (SELECT COUNT(*) FROM image_queries q WHERE q.image_id = i.id),
            i.created_at, i.data FROM images i`,
    `DROP TRIGGER IF EXISTS image_query_with_image_insert`,
    ...rebuildImageQueries('COALESCE((SELECT i.rowid FROM images i WHERE i.id = q.image_id), 0)'),
    `DROP TABLE images`,
    `ALTER TABLE images_v3 RENAME TO images`,
  ];
}
