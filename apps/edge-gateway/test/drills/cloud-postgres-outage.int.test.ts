/**
 * The cloud's PostgreSQL goes away under edge traffic (a private cluster, never the shared server) with the
 * real cloud and the real inference service: the cloud answers the edge's deliveries 503 with Retry-After,
 * the edge keeps accepting and queues every escalation, and once PostgreSQL is back each one is in the
 * cloud's database exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageQuerySchema } from '@intellioptics/schema';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@intellioptics/cloud-graph/test-support';
import { startGateway, waitFor, type Harness } from '../support/harness';
import { png } from '../support/images';
import type { ServiceChild } from '../support/real-services';
import { cloudChild, inferenceChild, gql } from '../support/real-services';

const ADMIN = 'io_admin_edge_pg_outage_token_000000001';
const work = mkdtempSync(join(tmpdir(), 'edge-pg-outage-'));
let postgres: ThrowawayPostgres;
let cloud: ServiceChild;
let inference: ServiceChild;
let edge: Harness;
let cloudUrl = '';
let hubToken = '';
let detectorId = '';
const image = png(32, 32, (x, y) => [x * 8, y * 8, 90]);

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  ({ child: cloud, url: cloudUrl } = await cloudChild({
    databaseUrl: postgres.url,
    work,
    adminToken: ADMIN,
  }));
  await cloud.start();
  hubToken = (
    await gql<{ registerHub: { token: string } }>(
      cloudUrl,
      ADMIN,
      'mutation { registerHub(name: "edge-pg-outage", detectorIds: null) { ok token } }',
    )
  ).registerHub.token;
  const created = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'pg outage', query: 'Is it there?' }),
  });
  detectorId = ((await created.json()) as { id: string }).id;
  // no model: every query is queued for the cloud
  const started = await inferenceChild(join(work, 'inference-home'));
  inference = started.child;
  const inferenceAt = started.url;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: inferenceAt,
    token: hubToken,
    configYaml: `detectors:\n  - { detector_id: ${detectorId}, edge_inference_config: default }\n`,
  });
}, 300_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  postgres?.destroy();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

async function submit(): Promise<string> {
  const res = await fetch(
    `${edge.url}/device-api/v1/image-queries?detector_id=${detectorId}&want_async=True`,
    {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'image/png' },
      body: new Uint8Array(image),
    },
  );
  expect(res.status).toBe(200);
  return ImageQuerySchema.parse(await res.json()).id;
}

async function outboxRetries(): Promise<number> {
  const text = await (await fetch(`${edge.url}/metrics`, { headers: { 'x-api-token': hubToken } })).text();
  return [...text.matchAll(/^edge_outbox_retries_total(?:\{[^}]*\})? (\d+)/gm)].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
}

describe("the cloud's PostgreSQL outage, seen from the edge", () => {
  it('queues escalations while the cloud answers 503 and delivers each once after', async () => {
    const ids = [await submit()]; // token and detector met while everything is up
    await waitFor(() => edge.gateway.store.pendingOutboxCount() === 0, 60_000, 'the first delivery');

    postgres.stop();
    const direct = await fetch(`${cloudUrl}/v1/image-queries?detector_id=${detectorId}`, {
      method: 'POST',
      headers: { 'x-api-token': hubToken, 'content-type': 'image/png' },
      body: new Uint8Array(image),
    });
    expect(direct.status).toBe(503);
    expect(Number(direct.headers.get('retry-after'))).toBeGreaterThan(0);
    const retriesBefore = await outboxRetries();
    for (let i = 0; i < 10; i++) ids.push(await submit());
    // The outbox tried, was refused and kept them (counted, not slept on).
    await waitFor(async () => (await outboxRetries()) > retriesBefore, 60_000, 'a refused delivery');
    expect(edge.gateway.store.pendingOutboxCount()).toBeGreaterThanOrEqual(10);
    expect((await fetch(`${cloudUrl}/health/live`)).status).toBe(200);

    postgres.start();
    await waitFor(() => edge.gateway.store.pendingOutboxCount() === 0, 120_000, 'the outbox to drain');
    const rows = execFileSync('psql', [
      postgres.url,
      '-At',
      '-F',
      ' ',
      '-c',
      `SELECT id, count(*) FROM image_queries WHERE detector_id = '${detectorId}' GROUP BY id`,
    ])
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
    expect(rows.map(([id]) => id).sort()).toEqual([...ids].sort()); // every one, and no other
    expect(rows.every(([, n]) => n === '1')).toBe(true);
  }, 240_000);
});
