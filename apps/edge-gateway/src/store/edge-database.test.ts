/**
 * EdgeDatabase on real SQLite files, with the connection in the worker thread and on the main thread: the same
 * results, group commits, failures and disk-full mapping in both, and only the worker keeps the loop free.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { isIntelliOpticsError } from '@intellioptics/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { dbThreadFromEnv, EdgeDatabase, type DbThread } from './edge-database';

const open: EdgeDatabase[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

async function fresh(thread: DbThread): Promise<{ db: EdgeDatabase; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `edge-db-${thread}-`));
  const db = await EdgeDatabase.open(dir, 'process', thread);
  open.push(db);
  await db.write([`CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB, n INTEGER)`]);
  return { db, dir };
}

/** The longest gap between 1 ms timer ticks while `work` runs: how long the loop was blocked. */
/** How many event-loop turns run while `work` is pending (a setImmediate chain: no clock involved). */
async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = (): void => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await new Promise((r) => setImmediate(r));
  const before = turns;
  try {
    await work();
  } finally {
    running = false;
  }
  return turns - before;
}

/** A query SQLite needs a while for (a recursive count; no table, nothing cached). */
const SLOW = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT COUNT(*) AS n FROM c`;

describe.each(['worker', 'main'] as const)('EdgeDatabase (EDGE_DB_THREAD=%s)', (thread) => {
  it('reads back what it wrote: text, blobs, integers, row ids, rows by name and by position', async () => {
    const { db } = await fresh(thread);
    expect(db.thread).toBe(thread);
    const blob = Buffer.from([0, 1, 2, 250, 255]);
    await db.write([{ sql: 'INSERT INTO t (k, v, n) VALUES (?, ?, ?)', args: ['a', blob, 42] }]);
    const ins = await db.read({ sql: 'INSERT INTO t (k, n) VALUES (:k, :n)', args: { k: 'b', n: 7 } });
    expect(ins.rowsAffected).toBe(1);
    expect(typeof ins.lastInsertRowid).toBe('bigint');
    const rs = await db.read('SELECT k, v, n FROM t ORDER BY k');
    expect(rs.columns).toEqual(['k', 'v', 'n']);
    expect(rs.rows).toHaveLength(2);
    const row = rs.rows[0]!;
    expect(row.k).toBe('a');
    expect(row[0]).toBe('a');
    expect(row.length).toBe(3);
    expect(row.v).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(row.v as ArrayBuffer)).toEqual(blob);
    expect(row.n).toBe(42);
    expect(Object.keys(row)).toEqual(['k', 'v', 'n']);
    expect(rs.rows[1]!.v).toBeNull();
  });

  it('commits the writes of one turn together: a bad write fails alone, the others commit, in order', async () => {
    const { db } = await fresh(thread);
    await db.write([`INSERT INTO t (k, n) VALUES ('dup', 0)`]);
    const committed: string[] = [];
    const results = await Promise.allSettled([
      db.write([`INSERT INTO t (k, n) VALUES ('q1', 1)`, `INSERT INTO t (k, n) VALUES ('q1-image', 1)`], () =>
        committed.push('q1'),
      ),
      db.write([`INSERT INTO t (k, n) VALUES ('q2', 2)`, `INSERT INTO t (k, n) VALUES ('dup', 2)`], () =>
        committed.push('q2'),
      ),
      db.write([`UPDATE t SET n = n + 10 WHERE k = 'q1'`], () => committed.push('q3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const why = (results[1] as PromiseRejectedResult).reason as { code?: string; message: string };
    expect(why.code).toBe('SQLITE_CONSTRAINT');
    expect(why.message).toMatch(/UNIQUE constraint failed: t\.k/);
    expect(committed).toEqual(['q1', 'q3']);
    const rows = (await db.read('SELECT k, n FROM t ORDER BY k')).rows.map((r) => [r.k, r.n]);
    // q2's half did not stay behind; q3 ran after q1.
    expect(rows).toEqual([
      ['dup', 0],
      ['q1', 11],
      ['q1-image', 1],
    ]);
  });

  it('keeps taking writes while a group commits, and close() commits everything queued', async () => {
    const { db, dir } = await fresh(thread);
    const writes: Promise<void>[] = [];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 25; i++) {
        writes.push(db.write([{ sql: 'INSERT INTO t (k, n) VALUES (?, ?)', args: [`${turn}-${i}`, turn] }]));
      }
      await new Promise((r) => setImmediate(r));
    }
    await db.close();
    await Promise.all(writes);
    await expect(db.write(['SELECT 1'])).rejects.toThrow(/closed/);
    const c = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
    try {
      expect(Number((await c.execute('SELECT COUNT(*) AS n FROM t')).rows[0]!.n)).toBe(500);
    } finally {
      c.close();
    }
  });

  it('answers a full database with 507 INSUFFICIENT_STORAGE, writes nothing half, and writes again when space returns', async () => {
    const { db } = await fresh(thread);
    const pages = Number((await db.read('PRAGMA page_count')).rows[0]![0]);
    await db.read(`PRAGMA max_page_count = ${pages + 2}`);
    const big = Buffer.alloc(64 * 1024, 7);
    const err: unknown = await db
      .write([
        { sql: 'INSERT INTO t (k, v) VALUES (?, ?)', args: ['small', Buffer.from('x')] },
        { sql: 'INSERT INTO t (k, v) VALUES (?, ?)', args: ['big', big] },
      ])
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isIntelliOpticsError(err) && err.code).toBe('INSUFFICIENT_STORAGE');
    expect((await db.read('SELECT COUNT(*) AS n FROM t')).rows[0]!.n).toBe(0);
    await db.read('PRAGMA max_page_count = 1073741823');
    await db.write([{ sql: 'INSERT INTO t (k, v) VALUES (?, ?)', args: ['big', big] }]);
    expect((await db.read('SELECT length(v) AS n FROM t')).rows[0]!.n).toBe(big.length);
  });

  it(
    thread === 'worker'
      ? 'keeps the event loop running while SQLite works'
      : 'blocks the event loop while SQLite works (why power durability uses the worker)',
    async () => {
      const { db } = await fresh(thread);
      let answer = 0;
      const turns = await loopTurnsDuring(async () => {
        answer = Number((await db.read(SLOW)).rows[0]!.n);
      });
      expect(answer).toBe(3_000_000);
      // On the loop the statement runs inside the call: no turn can run until it is done. On the worker the
      // loop keeps turning for the hundreds of milliseconds SQLite counts.
      if (thread === 'worker') expect(turns).toBeGreaterThan(20);
      else expect(turns).toBeLessThanOrEqual(2);
    },
  );
});

describe('EDGE_DB_THREAD', () => {
  it('unset: the worker thread under power durability, the loop otherwise; refuses anything else', () => {
    expect(dbThreadFromEnv('power', undefined)).toBe('worker');
    expect(dbThreadFromEnv('power', '')).toBe('worker');
    expect(dbThreadFromEnv('process', undefined)).toBe('main');
    expect(dbThreadFromEnv('process', 'worker')).toBe('worker');
    expect(dbThreadFromEnv('power', 'main')).toBe('main');
    expect(() => dbThreadFromEnv('process', 'thread')).toThrow(/EDGE_DB_THREAD/);
  });

  it('a worker that cannot open its file fails open() with the SQLite error, not a hang', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-db-bad-'));
    // A directory where the database file should be.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'edge-state.db'));
    await expect(EdgeDatabase.open(dir, 'process', 'worker')).rejects.toThrow();
  });
});
