/**
 * Redis going away and coming back under a running cloud (a private redis-server, killed and restarted on its
 * port): the process stays up and keeps accepting image queries, events reach this replica's subscribers
 * while Redis is down (and are counted), and once Redis is back events cross replicas again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudForTests, type TestCloud } from './support/test-cloud';
import { createTestDatabase, type TestDatabase } from './support/test-db';
import { tinyJpeg } from './support/images';
import { startPrivateRedis, type PrivateRedis } from './helpers/redis-server';
import { subscribeWs } from './helpers/ws';

const ESCALATIONS = 'subscription($ids: [ID!]) { escalationCreated(detectorIds: $ids) { imageQueryId } }';
type Escalated = { escalationCreated: { imageQueryId: string } };

let redis: PrivateRedis;
let db: TestDatabase;
let a: TestCloud;
let b: TestCloud | undefined;
let detectorId: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  db = await createTestDatabase();
  a = await startCloudForTests({ db, envOverrides: { REDIS_URL: redis.url } });
  detectorId = (await a.services.detectors.create({ name: 'redis-outage', query: 'q?' })).id;
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
  await db?.drop();
});

async function submit(t: TestCloud): Promise<string> {
  const res = await fetch(`${t.url}/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': t.tokens.admin, 'content-type': 'image/jpeg' },
    body: new Uint8Array(tinyJpeg()),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function fallbacks(t: TestCloud): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/^cloud_graph_pubsub_local_fallbacks_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('Redis outage', () => {
  it('keeps serving and delivers events locally while Redis is down', async () => {
    const onA = await subscribeWs<Escalated>(a.url, a.tokens.reviewer, ESCALATIONS, { ids: [detectorId] });
    await new Promise((r) => setTimeout(r, 300)); // Redis SUBSCRIBE round trip
    const before = await submit(a);
    expect((await onA.next()).escalationCreated.imageQueryId).toBe(before);
    expect(await fallbacks(a)).toBe(0);

    await redis.stop();
    const during = await submit(a);
    expect((await onA.next()).escalationCreated.imageQueryId).toBe(during);
    expect(await fallbacks(a)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${a.url}/health/live`)).status).toBe(200);
    await onA.stop();
  });

  it('delivers across replicas again once Redis is back', async () => {
    await redis.start();
    b = await startCloudForTests({ db, envOverrides: { REDIS_URL: redis.url } });
    const onB = await subscribeWs<Escalated>(b.url, b.tokens.reviewer, ESCALATIONS, { ids: [detectorId] });
    // A reconnects on its own (backoff ≤ 2 s): wait until an event of A's goes through Redis to B.
    const deadline = Date.now() + 15_000;
    let delivered = false;
    while (!delivered && Date.now() < deadline) {
      const id = await submit(a);
      delivered = await onB.next(1500).then(
        (e) => e.escalationCreated.imageQueryId === id,
        () => false,
      );
    }
    expect(delivered).toBe(true);
    await onB.stop();
  });
});
