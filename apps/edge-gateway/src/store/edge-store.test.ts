/** The store on real SQLite files in a temp folder: migration from version 1, shared frame images, retention. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { openEdgeStore, type EdgeStore } from './edge-store';

/** The schema as it was before images moved into their own table (each row carried its image). */
const VERSION_1 = [
  `CREATE TABLE image_queries (id TEXT PRIMARY KEY, detector_id TEXT NOT NULL, created_at INTEGER NOT NULL,
     json TEXT NOT NULL, image_type TEXT NOT NULL, image_bytes INTEGER NOT NULL,
     escalation TEXT NOT NULL DEFAULT 'none', final INTEGER NOT NULL, refreshed_at INTEGER,
     updated_at INTEGER NOT NULL, image BLOB)`,
  `CREATE INDEX image_queries_created ON image_queries (created_at)`,
  `CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, iq_id TEXT NOT NULL UNIQUE,
     detector_id TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
     attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT,
     created_at INTEGER NOT NULL, finished_at INTEGER)`,
  `CREATE TABLE detectors (id TEXT PRIMARY KEY, json TEXT NOT NULL, fetched_at INTEGER NOT NULL)`,
  `CREATE TABLE tokens (hash TEXT PRIMARY KEY, valid INTEGER NOT NULL, checked_at INTEGER NOT NULL)`,
  `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

const params = {
  patience_time: 30,
  confidence_threshold: 0.9,
  human_review: 'DEFAULT' as const,
  metadata: {},
};
let store: EdgeStore | null = null;

async function imageRows(dir: string): Promise<number> {
  const c = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
  try {
    return Number((await c.execute('SELECT COUNT(*) AS n FROM images')).rows[0]?.n);
  } finally {
    c.close();
  }
}

afterEach(async () => {
  await store?.close();
  store = null;
});

describe('openEdgeStore', () => {
  it('migrates a version 1 database and keeps every image query, image, escalation and cache entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-store-'));
    const legacy = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
    for (const sql of VERSION_1) await legacy.execute(sql);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3, 0xff, 0xd9]);
    await legacy.execute({
      sql: `INSERT INTO image_queries VALUES ('iq_a', 'det_a', 1000, '{"id":"iq_a"}', 'image/jpeg', 8, 'pending', 0, NULL, 1000, ?)`,
      args: [jpeg],
    });
    await legacy.execute({
      sql: `INSERT INTO outbox (iq_id, detector_id, kind, params, next_attempt_at, created_at) VALUES ('iq_a', 'det_a', 'audit', ?, 1000, 1000)`,
      args: [JSON.stringify(params)],
    });
    await legacy.execute(`INSERT INTO tokens VALUES ('h1', 1, 5)`);
    await legacy.execute(`INSERT INTO kv VALUES ('k', 'v')`);
    legacy.close();

    store = await openEdgeStore(dir, 'process');
    expect(await store.imageQueries.get('iq_a')).toEqual({
      id: 'iq_a',
      detectorId: 'det_a',
      createdAt: 1000,
      json: '{"id":"iq_a"}',
      escalation: 'pending',
      final: false,
      refreshedAt: null,
    });
    expect(await store.images.forImageQuery('iq_a')).toEqual({ bytes: jpeg, contentType: 'image/jpeg' });
    expect(store.pendingOutboxCount()).toBe(1);
    expect(await store.outbox.heads()).toMatchObject([{ iqId: 'iq_a', kind: 'audit', params }]);
    expect(await store.tokens.loadAll()).toEqual([{ hash: 'h1', valid: true, checkedAt: 5 }]);
    expect(await store.kv.get('k')).toBe('v');

    // Opening again is a no-op (the version is recorded).
    await store.close();
    store = await openEdgeStore(dir, 'process');
    expect(await store.images.forImageQuery('iq_a')).toEqual({ bytes: jpeg, contentType: 'image/jpeg' });
  });

  it('stores a frame image once for all its image queries and purges it with the last of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-store-'));
    store = await openEdgeStore(dir, 'process');
    const data = Buffer.alloc(2000, 7);
    const q = (id: string, detectorId: string, outbox: boolean) => ({
      id,
      detectorId,
      createdAt: 1000,
      json: `{"id":"${id}"}`,
      final: !outbox,
      outbox: outbox ? { kind: 'escalation' as const, params } : null,
    });
    await store.imageQueries.record({ contentType: 'image/jpeg', data }, [
      q('iq_1', 'det_a', false),
      q('iq_2', 'det_b', false),
      q('iq_3', 'det_c', true),
    ]);
    expect(store.pendingOutboxCount()).toBe(1);
    for (const id of ['iq_1', 'iq_2', 'iq_3']) {
      expect((await store.images.forImageQuery(id))?.bytes).toEqual(data);
    }

    // Past retention: the two finished ones go; the pending escalation keeps itself and the shared image.
    const limits = { days: 1, maxRows: 1000, maxBytes: 1 << 30 };
    expect(await store.retention.purge(1000 + 2 * 86_400_000, limits)).toMatchObject({ imageQueries: 2 });
    expect(await store.imageQueries.get('iq_1')).toBeNull();
    expect((await store.images.forImageQuery('iq_3'))?.bytes).toEqual(data);

    // One image row for the frame.
    expect(await imageRows(dir)).toBe(1);
    await store.outbox.markDelivered('iq_3', 2000);
    expect(store.pendingOutboxCount()).toBe(0);
    expect(await store.retention.purge(1000 + 2 * 86_400_000, limits)).toMatchObject({ imageQueries: 1 });
    expect(await store.images.forImageQuery('iq_3')).toBeNull();
    expect(await imageRows(dir)).toBe(0);
  });
});
