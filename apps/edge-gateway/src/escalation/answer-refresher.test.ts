/** AnswerRefresher with fakes: when the cloud's answer is stored, when it is final, and the 24 h give-up. */
import type { ImageQuery } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import type { Fetched } from '../cloud-client/cloud.client';
import { createLogger } from '../logger';
import type { StoredImageQuery } from '../store/image-query.repository';
import { AnswerRefresher } from './answer-refresher';

const NOW = 10 * 86_400_000;

function iq(id: string, result: ImageQuery['result'], done = false): ImageQuery {
  return {
    metadata: null,
    id,
    type: 'image_query',
    created_at: '2026-11-27T04:00:00.000Z',
    query: 'q',
    detector_id: 'det_a',
    result_type: 'binary_classification',
    result,
    patience_time: 30,
    confidence_threshold: 0.9,
    rois: null,
    text: null,
    done_processing: done,
  };
}

const stored = (id: string, json: string, createdAt = NOW - 1000): StoredImageQuery => ({
  id,
  detectorId: 'det_a',
  createdAt,
  json,
  escalation: 'delivered',
  final: false,
  refreshedAt: null,
});

function setup(open: StoredImageQuery[], cloud: Record<string, Fetched<ImageQuery>>) {
  const writes: string[] = [];
  const asked: string[] = [];
  const refresher = new AnswerRefresher({
    imageQueries: {
      openEscalations: async () => open,
      update: async (id, json, final) =>
        void writes.push(`update ${id} final=${final} ${json.length > 40 ? 'cloud' : json}`),
      markRefreshed: async (id) => void writes.push(`refreshed ${id}`),
    },
    cloud: {
      getImageQuery: async (id) => {
        asked.push(id);
        return cloud[id] ?? { kind: 'not_found' };
      },
    },
    log: createLogger('silent'),
    intervalMs: 1000,
    now: () => NOW,
  });
  return { refresher, writes, asked };
}

const ALGO = {
  result_type: 'binary_classification',
  label: 'YES',
  confidence: 0.7,
  source: 'ALGORITHM',
  from_edge: false,
} as const;
const HUMAN = { ...ALGO, confidence: 1, source: 'USER' } as const;

describe(AnswerRefresher.name, () => {
  it('stores a person’s label as final, a newer algorithm answer as open, and only notes a missing one', async () => {
    const t = setup(
      [stored('iq_h', '{}'), stored('iq_a', '{}'), stored('iq_n', '{}'), stored('iq_x', '{}')],
      {
        iq_h: { kind: 'ok', value: iq('iq_h', HUMAN) },
        iq_a: { kind: 'ok', value: iq('iq_a', ALGO) },
        iq_n: { kind: 'ok', value: iq('iq_n', null) },
        iq_x: { kind: 'unreachable', message: 'down' },
      },
    );
    expect(await t.refresher.refreshOpen()).toBe(2);
    expect(t.writes).toEqual([
      'update iq_h final=true cloud',
      'update iq_a final=false cloud',
      'refreshed iq_n',
      'refreshed iq_x',
    ]);
  });

  it('does not rewrite an unchanged open answer', async () => {
    const same = iq('iq_a', ALGO);
    const t = setup([stored('iq_a', JSON.stringify(same))], { iq_a: { kind: 'ok', value: same } });
    expect(await t.refresher.refreshOpen()).toBe(0);
    expect(t.writes).toEqual([]);
  });

  it('gives up after 24 h: the last answer becomes final without asking the cloud', async () => {
    const t = setup([stored('iq_old', '{"old":1}', NOW - 24 * 3600_000 - 1)], {});
    await t.refresher.refreshOpen();
    expect(t.asked).toEqual([]);
    expect(t.writes).toEqual(['update iq_old final=true {"old":1}']);
  });

  it('refreshOne returns the cloud answer the read path shows', async () => {
    const answer = iq('iq_h', HUMAN, true);
    const t = setup([], { iq_h: { kind: 'ok', value: answer } });
    expect(await t.refresher.refreshOne('iq_h', '{}')).toBe(JSON.stringify(answer));
  });
});
