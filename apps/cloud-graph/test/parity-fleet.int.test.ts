/**
 * The fleet page's truths (ticket #20 item 6): a hub's heartbeat lists every detector it serves (with or
 * without a model yet) and its answer latency per interval, and GraphQL gives both to people.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LATENCY_SAMPLES } from '../src/modules/hubs/hub.entity';
import { gql, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;
let graphql: ReturnType<typeof gql>;

beforeAll(async () => {
  t = await startCloudForTests();
  graphql = gql(t.url);
});
afterAll(async () => {
  await t?.close();
});

const HEARTBEAT = `mutation ($input: HubHeartbeatInput!) { hubHeartbeat(input: $input) { ok error { code message } } }`;
const FLEET = `{ hubs { id servedDetectors { detectorId primaryVersion detector { name } }
  latencySamples { at count meanMs p50Ms p95Ms } } }`;

describe('hub heartbeat for the fleet page', () => {
  it('keeps the served detectors (named) and one latency sample per heartbeat', async () => {
    const a = await t.services.detectors.create({ name: 'fleet-a', query: 'A?' });
    const b = await t.services.detectors.create({ name: 'fleet-b', query: 'B?' });
    const beat = (latency: Record<string, unknown> | null) =>
      graphql(
        HEARTBEAT,
        {
          input: {
            servedDetectors: [
              { detectorId: a.id, primaryVersion: 2, ooddVersion: 2 },
              { detectorId: b.id, primaryVersion: null, ooddVersion: null },
            ],
            counters: { edge_image_queries_total: 7 },
            ...(latency ? { latency } : {}),
          },
        },
        t.tokens.hub,
      );
    expect((await beat({ count: 5, meanMs: 12.5, p50Ms: 10, p95Ms: 40 })).body.data.hubHeartbeat.ok).toBe(
      true,
    );
    expect((await beat({ count: 0 })).body.data.hubHeartbeat.ok).toBe(true);
    expect((await beat(null)).body.data.hubHeartbeat.ok).toBe(true); // an older edge: no sample

    const { body } = await graphql(FLEET, {}, t.tokens.reviewer);
    const hub = (body.data.hubs as { id: string }[]).find((h) => h.id === t.hubId) as unknown as {
      servedDetectors: {
        detectorId: string;
        primaryVersion: number | null;
        detector: { name: string } | null;
      }[];
      latencySamples: {
        at: string;
        count: number;
        meanMs: number | null;
        p50Ms: number | null;
        p95Ms: number | null;
      }[];
    };
    expect(hub.servedDetectors).toEqual([
      { detectorId: a.id, primaryVersion: 2, detector: { name: 'fleet-a' } },
      { detectorId: b.id, primaryVersion: null, detector: { name: 'fleet-b' } },
    ]);
    expect(hub.latencySamples.map(({ at: _at, ...s }) => s)).toEqual([
      { count: 5, meanMs: 12.5, p50Ms: 10, p95Ms: 40 },
      { count: 0, meanMs: null, p50Ms: null, p95Ms: null },
    ]);
    expect(Date.parse(hub.latencySamples[0]!.at)).not.toBeNaN();

    // Deleted detectors stay in the report until the edge's next heartbeat, without a name.
    await t.services.detectors.delete(b.id);
    const after = await graphql(FLEET, {}, t.tokens.admin);
    const served = (after.body.data.hubs as { id: string; servedDetectors: { detector: unknown }[] }[]).find(
      (h) => h.id === t.hubId,
    )!.servedDetectors;
    expect(served.map((s) => s.detector)).toEqual([{ name: 'fleet-a' }, null]);
  });

  it('refuses impossible latency as BAD_REQUEST and keeps no sample for it', async () => {
    const count = async () => (await t.services.hubs.get(t.hubId))!.latencySamples.length;
    const before = await count();
    for (const latency of [{ count: -1 }, { count: 2, p95Ms: -3 }, { count: 0, meanMs: 4 }]) {
      const res = await graphql(HEARTBEAT, { input: { servedDetectors: [], latency } }, t.tokens.hub);
      expect(res.body.data.hubHeartbeat).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await count()).toBe(before);
  });

  it('keeps at most MAX_LATENCY_SAMPLES, the newest', async () => {
    for (let i = 0; i < MAX_LATENCY_SAMPLES + 3; i++) {
      await t.services.hubs.heartbeat(t.hubId, {
        servedDetectors: [],
        counters: {},
        latency: { count: i + 1, meanMs: 1, p50Ms: 1, p95Ms: 1 },
      });
    }
    const samples = (await t.services.hubs.get(t.hubId))!.latencySamples;
    expect(samples).toHaveLength(MAX_LATENCY_SAMPLES);
    expect(samples.at(-1)!.count).toBe(MAX_LATENCY_SAMPLES + 3);
    const { body } = await graphql(
      `
        {
          hubs {
            id
            latencySamples(last: 2) {
              count
            }
          }
        }
      `,
      {},
      t.tokens.admin,
    );
    const mine = (body.data.hubs as { id: string; latencySamples: { count: number }[] }[]).find(
      (h) => h.id === t.hubId,
    )!;
    expect(mine.latencySamples.map((s) => s.count)).toEqual([
      MAX_LATENCY_SAMPLES + 2,
      MAX_LATENCY_SAMPLES + 3,
    ]);
  });
});
