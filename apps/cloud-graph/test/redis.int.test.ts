/**
 * Two cloud-graph instances on one database and the real Redis (127.0.0.1:6379): a mutation on A reaches a
 * graphql-ws subscriber on B.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startCloudForTests, type TestCloud } from './support/test-cloud';
import { createTestDatabase, type TestDatabase } from './support/test-db';
import { subscribeWs } from './helpers/ws';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let db: TestDatabase;
let a: TestCloud;
let b: TestCloud;

beforeAll(async () => {
  db = await createTestDatabase();
  // A distinct key prefix is not needed: channel names carry the topic; ids are unique per test run.
  a = await startCloudForTests({ db, envOverrides: { REDIS_URL } });
  b = await startCloudForTests({ db, envOverrides: { REDIS_URL } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

describe('Redis event target across two instances', () => {
  it('delivers escalationCreated, imageQueryUpdated and modelVersionPublished from A to subscribers on B', async () => {
    const name = `redis-${randomBytes(4).toString('hex')}`;
    const created = await gql(a.url)(
      'mutation($n: String!) { createDetector(input: { name: $n, query: "q?" }) { detector { id } } }',
      { n: name },
    );
    const detectorId = created.body.data.createDetector.detector.id as string;
    const onB = await subscribeWs<{ escalationCreated: { detectorId: string; imageQueryId: string } }>(
      b.url,
      b.tokens.reviewer,
      'subscription($ids: [ID!]) { escalationCreated(detectorIds: $ids) { detectorId imageQueryId } }',
      { ids: [detectorId] },
    );
    const published = await subscribeWs<{ modelVersionPublished: { detectorId: string; version: number } }>(
      b.url,
      b.tokens.hub,
      'subscription($ids: [ID!]) { modelVersionPublished(detectorIds: $ids) { detectorId version } }',
      { ids: [detectorId] },
    );
    await new Promise((r) => setTimeout(r, 300)); // Redis SUBSCRIBE round trip
    const res = await fetch(`${a.url}/device-api/v1/image-queries?detector_id=${detectorId}`, {
      method: 'POST',
      headers: { 'x-api-token': a.tokens.admin, 'content-type': 'image/jpeg' }, // B rotated the shared hub's token
      body: new Uint8Array(
        Buffer.from(
          '/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCEAHq+/9k=',
          'base64',
        ),
      ),
    });
    const iq = (await res.json()) as { id: string };
    const ev = await onB.next(5000);
    expect(ev.escalationCreated).toEqual({ detectorId, imageQueryId: iq.id });

    const updates = await subscribeWs<{
      imageQueryUpdated: { imageQueryId: string; result: { label: string } };
    }>(
      b.url,
      b.tokens.admin,
      'subscription($id: ID!) { imageQueryUpdated(id: $id) { imageQueryId result { label } } }',
      { id: iq.id },
    );
    await new Promise((r) => setTimeout(r, 300));
    await gql(a.url)(
      'mutation($iq: ID!) { labelImageQuery(input: { imageQueryId: $iq, label: "YES" }) { ok } }',
      { iq: iq.id },
      a.tokens.reviewer,
    );
    expect((await updates.next(5000)).imageQueryUpdated).toEqual({
      imageQueryId: iq.id,
      result: { label: 'YES' },
    });

    const mv = await a.services.models.create({
      detectorId,
      kind: 'primary',
      data: Buffer.from('m'),
      metrics: {},
    });
    await a.services.models.publish(mv.id);
    expect((await published.next(5000)).modelVersionPublished).toEqual({ detectorId, version: 1 });
    await Promise.all([onB.stop(), published.stop(), updates.stop()]);
  });
});
