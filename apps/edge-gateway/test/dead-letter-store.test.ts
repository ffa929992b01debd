/**
 * The outbox's dead letters, pending cap and cache bounds on a real SQLite store (no cloud): a version 3
 * database gains `dead_cause` keeping its rows; dead letters leave the queue (the detector's next item is its
 * head), come back in their old place when retried, and are counted; shedding by age and bytes drops the
 * oldest pending items first; the token cache keeps the most recently checked `max` rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxShedder } from '../src/escalation/outbox.shedder';
import { createLogger } from '../src/logger';
import { openEdgeStore, type EdgeStore } from '../src/store/edge-store';

const params = {
  patience_time: 30,
  confidence_threshold: 0.9,
  human_review: 'DEFAULT' as const,
  metadata: {},
};
let store: EdgeStore | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
});

async function enqueue(s: EdgeStore, id: string, detectorId: string, createdAt: number, bytes: number) {
  await s.imageQueries.record({ contentType: 'image/jpeg', data: Buffer.alloc(bytes, 1) }, [
    {
      id,
      detectorId,
      createdAt,
      json: `{"id":"${id}"}`,
      final: false,
      outbox: { kind: 'escalation', params },
    },
  ]);
}

describe('dead letters in the edge store', () => {
  it('migrates a version 3 database: rows kept, dead_cause added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-dl-'));
    store = await openEdgeStore(dir, 'process');
    await enqueue(store, 'iq_a', 'det_a', 1000, 10);
    await store.close();
    // Back to version 3's outbox shape (no dead_cause), as an edge from before this change left it.
    const c = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
    await c.execute('ALTER TABLE outbox DROP COLUMN dead_cause');
    await c.execute('PRAGMA user_version = 3');
    c.close();
    store = await openEdgeStore(dir, 'process');
    expect(store.pendingOutboxCount()).toBe(1);
    await store.outbox.markDead('iq_a', 3, 'MAX_ATTEMPTS', 'HTTP 500', 2000);
    expect(await store.outbox.deadLetters(10)).toMatchObject([
      { iqId: 'iq_a', cause: 'MAX_ATTEMPTS', attempts: 3 },
    ]);
  });

  it('takes a dead letter out of its detector’s queue and puts it back in its old place on retry', async () => {
    store = await openEdgeStore(mkdtempSync(join(tmpdir(), 'edge-dl-')), 'process');
    await enqueue(store, 'iq_1', 'det_a', 1000, 10);
    await enqueue(store, 'iq_2', 'det_a', 1001, 10);
    expect((await store.outbox.heads()).map((h) => h.iqId)).toEqual(['iq_1']);
    await store.outbox.markDead('iq_1', 1, 'CONFLICT', '409 ALREADY_EXISTS: taken', 2000);
    expect((await store.outbox.heads()).map((h) => h.iqId)).toEqual(['iq_2']);
    expect([store.pendingOutboxCount(), store.outbox.deadCount()]).toEqual([1, 1]);
    expect((await store.imageQueries.get('iq_1'))?.escalation).not.toBe('delivered');

    expect(await store.outbox.retryDead('iq_1', 3000)).toBe(true);
    expect(await store.outbox.retryDead('iq_1', 3000)).toBe(false);
    expect((await store.outbox.heads()).map((h) => [h.iqId, h.attempts])).toEqual([['iq_1', 0]]);
    expect([store.pendingOutboxCount(), store.outbox.deadCount()]).toEqual([2, 0]);

    await store.outbox.markDead('iq_1', 1, 'REFUSED', '400', 4000);
    expect(await store.outbox.discardDead('iq_1', 5000)).toBe(true);
    expect(await store.outbox.deadLetters(10)).toEqual([]);
    expect((await store.outbox.counts()).failed).toBe(1);
  });

  it('sheds the oldest pending escalations beyond the age and byte caps, counted and logged', async () => {
    store = await openEdgeStore(mkdtempSync(join(tmpdir(), 'edge-dl-')), 'process');
    await enqueue(store, 'iq_old', 'det_a', 1_000, 100);
    await enqueue(store, 'iq_1', 'det_a', 10_000, 400);
    await enqueue(store, 'iq_2', 'det_b', 10_001, 400);
    await enqueue(store, 'iq_3', 'det_a', 10_002, 400);
    const shed: Record<string, number> = {};
    const lines: string[] = [];
    const log = createLogger('silent');
    log.warn = ((_obj: unknown, msg: string) => void lines.push(msg)) as typeof log.warn;
    const shedder = new OutboxShedder({
      outbox: store.outbox,
      shedTotal: { inc: (labels: { reason: string }, n = 1) => void (shed[labels.reason] = n) } as never,
      log,
      maxBytes: 900,
      maxAgeMs: 5_000,
      now: () => 12_000,
    });
    expect(await shedder.run()).toEqual({ age: 1, bytes: 1 });
    expect(shed).toEqual({ age: 1, bytes: 1 });
    expect(lines).toHaveLength(1);
    expect((await store.outbox.heads()).map((h) => h.iqId).sort()).toEqual(['iq_2', 'iq_3']);
    expect(store.pendingOutboxCount()).toBe(2);
    expect(await shedder.run()).toEqual({ age: 0, bytes: 0 });
    expect(lines).toHaveLength(1);
  });

  it('keeps the most recently checked tokens up to its bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-dl-'));
    store = await openEdgeStore(dir, 'process', { tokenCacheMax: 2 });
    for (const [hash, checkedAt] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const) {
      await store.tokens.save({ hash, valid: true, checkedAt });
    }
    expect((await store.tokens.loadAll()).map((t) => t.hash)).toEqual(['c', 'b']);
  });
});
