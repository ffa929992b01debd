/**
 * `kill -9` of the gateway process (the real entry point, spawned as a child) against the real cloud
 * (cloud-graph on its own PostgreSQL database) and the real inference service loses no accepted image query
 * and no escalation: every 200 answer is readable after a restart, and every queued escalation is in the
 * cloud's database exactly once, with no row the edge did not create.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageQuerySchema } from '@intellioptics/schema';
import { spawnGateway, freePort, type ChildGateway } from './support/child';
import { png } from './support/images';
import { waitFor } from './support/harness';
import type { ServiceChild } from './support/real-services';
import { cloudChild, inferenceChild, createDatabase, gql } from './support/real-services';

const ADMIN = 'io_admin_edge_crash_token_0000000000001';
const work = mkdtempSync(join(tmpdir(), 'edge-crash-'));
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let hubToken = '';
let inferenceUrl = '';
let detectorId = '';
let gw: ChildGateway | null = null;

beforeAll(async () => {
  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN }));
  await cloud.start();
  hubToken = (
    await gql<{ registerHub: { token: string } }>(
      cloudUrl,
      ADMIN,
      'mutation { registerHub(name: "edge-crash", detectorIds: null) { ok token } }',
    )
  ).registerHub.token;
  const created = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'crash', query: 'Is it there?' }),
  });
  detectorId = ((await created.json()) as { id: string }).id;
  // no model: every query is queued for the cloud
  const started = await inferenceChild(join(work, 'inference-home'));
  inference = started.child;
  const inferenceAt = started.url;
  await inference.start();
  inferenceUrl = inferenceAt;
}, 300_000);

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

/** Rows of the cloud's database for the detector: id → number of rows. */
function cloudRows(): Map<string, number> {
  const out = execFileSync('psql', [
    db.url,
    '-At',
    '-F',
    ' ',
    '-c',
    `SELECT id, count(*) FROM image_queries WHERE detector_id = '${detectorId}' GROUP BY id`,
  ]).toString();
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string])
      .map(([id, n]) => [id, Number(n)]),
  );
}

describe('kill -9', () => {
  it('loses no accepted image query and delivers each queued escalation exactly once', async () => {
    const port = await freePort();
    const env = {
      IO_HOME: join(work, 'edge-home'),
      CLOUD_URL: cloudUrl,
      INFERENCE_URL: inferenceUrl,
      EDGE_API_TOKEN: hubToken,
      OUTBOX_BACKOFF_MAX_S: '0.5',
      OUTBOX_IDLE_POLL_MS: '100',
      MODEL_UPDATES: '0',
    };
    gw = await spawnGateway(port, env);
    const image = png(16, 16);
    const post = (url: string) =>
      fetch(`${url}/device-api/v1/image-queries?detector_id=${detectorId}&want_async=True`, {
        method: 'POST',
        headers: { 'x-api-token': ADMIN, 'content-type': 'image/png' },
        body: new Uint8Array(image),
      });
    // Meet the client's token and the detector while the cloud is up; then take the cloud away so
    // escalations wait in the outbox across the crash.
    const warm = await post(gw.url);
    expect(warm.status).toBe(200);
    const warmId = ImageQuerySchema.parse(await warm.json()).id;
    await waitFor(() => cloudRows().has(warmId), 30_000, 'the warm-up delivery');
    await cloud.stop();

    const accepted: string[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const res = await post(gw!.url);
          if (res.status === 200) accepted.push(ImageQuerySchema.parse(await res.json()).id);
        } catch {
          return; // the process died mid-request: that request was never answered
        }
      }
    };
    const loops = Array.from({ length: 8 }, () => worker());
    await waitFor(() => accepted.length >= 100, 60_000, '100 accepted queries');
    gw.child.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);

    await cloud.start();
    gw = await spawnGateway(port, env);
    for (const id of accepted) {
      const res = await fetch(`${gw.url}/device-api/v1/image-queries/${id}`, {
        headers: { 'x-api-token': ADMIN },
      });
      expect(res.status, `GET ${id} after kill -9`).toBe(200);
    }
    await waitFor(
      () => {
        const rows = cloudRows();
        return accepted.every((id) => rows.has(id));
      },
      90_000,
      'every queued escalation in the cloud',
    );
    const rows = cloudRows();
    // Exactly once: one row per id. The only rows the client did not see accepted are the warm-up and requests
    // in flight at the kill (stored and queued before the answer reached the client: at most one per loop).
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    const acceptedIds = new Set([warmId, ...accepted]);
    const inFlight = [...rows.keys()].filter((id) => !acceptedIds.has(id));
    expect(inFlight.length).toBeLessThanOrEqual(8);
    expect(rows.size).toBe(acceptedIds.size + inFlight.length);
    // Every in-flight one is the edge's own (readable there after the restart), not a cloud-made duplicate.
    for (const id of inFlight) {
      const res = await fetch(`${gw.url}/device-api/v1/image-queries/${id}`, {
        headers: { 'x-api-token': ADMIN },
      });
      expect(res.status, `in-flight ${id} at the edge`).toBe(200);
    }
  }, 240_000);
});
