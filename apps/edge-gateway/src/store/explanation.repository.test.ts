/** Explanations on real SQLite files: one commit with their image queries, gone with them, kept across restarts. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Explanation } from '@intellioptics/schema';
import { openEdgeStore, type EdgeStore } from './edge-store';

const params = {
  patience_time: 30,
  confidence_threshold: 0.9,
  human_review: 'DEFAULT' as const,
  metadata: {},
};
const explanation = (id: string): Explanation => ({
  image_query_id: id,
  label: 'YES',
  confidence: 0.97,
  steps: [{ kind: 'decision', text: 'Answered at the edge.', data: { reason: 'CONFIDENT' } }],
  evidence: { rows: 1, cols: 2, values: [0.25, 0.75], label: 'YES' },
  neighbors: [{ image_query_id: 'iq_old', label: 'YES', similarity: 0.9 }],
});
const q = (id: string, outbox: boolean) => ({
  id,
  detectorId: 'det_a',
  createdAt: 1000,
  json: `{"id":"${id}"}`,
  final: !outbox,
  outbox: outbox ? { kind: 'escalation' as const, params } : null,
});
let store: EdgeStore | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
});

describe('ExplanationRepository', () => {
  it('stores explanations in the same turn as their image queries, reads them back after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-explain-'));
    store = await openEdgeStore(dir, 'process');
    const image = { contentType: 'image/jpeg', data: Buffer.alloc(100, 1) };
    let committed = 0;
    const writes = [
      store.imageQueries.record(image, [q('iq_1', false), q('iq_2', true)]).then(() => committed++),
      store.explanations
        .save([
          { iqId: 'iq_1', explanation: explanation('iq_1') },
          { iqId: 'iq_2', explanation: explanation('iq_2') },
        ])
        .then(() => committed++),
    ];
    await Promise.all(writes);
    expect(committed).toBe(2);
    await store.close();
    store = await openEdgeStore(dir, 'process');
    expect(await store.explanations.get('iq_1')).toEqual(explanation('iq_1'));
    expect(await store.explanations.get('iq_2')).toEqual(explanation('iq_2'));
    expect(await store.explanations.get('iq_unknown')).toBeNull();
  });

  it('retention deletes an explanation with its image query, never one whose escalation is pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-explain-'));
    store = await openEdgeStore(dir, 'process');
    const image = { contentType: 'image/jpeg', data: Buffer.alloc(100, 2) };
    await Promise.all([
      store.imageQueries.record(image, [q('iq_done', false), q('iq_pending', true)]),
      store.explanations.save([
        { iqId: 'iq_done', explanation: explanation('iq_done') },
        { iqId: 'iq_pending', explanation: explanation('iq_pending') },
      ]),
    ]);
    const limits = { days: 1, maxRows: 1000, maxBytes: 1 << 30 };
    expect(await store.retention.purge(1000 + 2 * 86_400_000, limits)).toMatchObject({ imageQueries: 1 });
    expect(await store.explanations.get('iq_done')).toBeNull();
    expect(await store.explanations.get('iq_pending')).toEqual(explanation('iq_pending'));
    await store.outbox.markDelivered('iq_pending', 2000);
    await store.retention.purge(1000 + 2 * 86_400_000, limits);
    expect(await store.explanations.get('iq_pending')).toBeNull();
  });

  it('reads a row it cannot parse as no explanation (the route then asks the cloud)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-explain-'));
    store = await openEdgeStore(dir, 'process');
    await store.close();
    store = null;
    const c = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
    await c.execute(
      `INSERT INTO explanations (iq_id, json) VALUES ('iq_bad', '{"steps": 1}'), ('iq_text', 'not json')`,
    );
    c.close();
    store = await openEdgeStore(dir, 'process');
    expect(await store.explanations.get('iq_bad')).toBeNull();
    expect(await store.explanations.get('iq_text')).toBeNull();
  });
});
