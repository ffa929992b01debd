/**
 * A full disk at the edge: the gateway's IO_HOME on a small tmpfs (this test mounts one; it needs root), the
 * real cloud (cloud-graph on its own PostgreSQL database) and the real inference service. Submitting images
 * until the disk is full gets a clear 507 INSUFFICIENT_STORAGE with a detail and Retry-After, never a 500;
 * the process stays up, everything accepted before stays readable (the store is not corrupted), and writes
 * are accepted again once space returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageQuerySchema } from '@intellioptics/schema';
import { startGateway, type Harness } from '../support/harness';
import type { ServiceChild } from '../support/real-services';
import { cloudChild, inferenceChild, createDatabase, gql } from '../support/real-services';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'libs', 'vision', 'test', 'fixtures');
const ADMIN = 'io_admin_edge_diskfull_token_00000000001';
const mount = mkdtempSync(join(tmpdir(), 'edge-disk-full-'));
const work = mkdtempSync(join(tmpdir(), 'edge-disk-full-work-'));
let mounted = false;
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let edge: Harness;
let detectorId = '';
const image = readFileSync(join(FIXTURES, 'photos', 'coffee.png')); // 159 KB: a few fill the disk

beforeAll(async () => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount], { stdio: 'pipe' });
    mounted = true;
  } catch (e) {
    throw new Error(`this drill mounts a 3 MB tmpfs and needs root (mount failed: ${String(e)})`, {
      cause: e,
    });
  }
  db = createDatabase();
  let cloudUrl: string;
  ({ child: cloud, url: cloudUrl } = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN }));
  await cloud.start();
  const hub = await gql<{ registerHub: { token: string } }>(
    cloudUrl,
    ADMIN,
    'mutation { registerHub(name: "edge-disk-full", detectorIds: null) { ok token } }',
  );
  const created = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'disk full', query: 'Is it coffee?' }),
  });
  detectorId = ((await created.json()) as { id: string }).id;
  // no model: every query is the edge's NO_MODEL case
  const started = await inferenceChild(join(work, 'inference-home'));
  inference = started.child;
  const inferenceAt = started.url;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: inferenceAt,
    token: hub.registerHub.token,
    ioHome: mount,
    configYaml: `detectors:\n  - { detector_id: ${detectorId}, edge_inference_config: default }\n`,
  });
}, 300_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
  if (mounted) execFileSync('umount', ['-l', mount]);
  rmSync(mount, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}, 60_000);

async function submit() {
  return fetch(`${edge.url}/device-api/v1/image-queries?detector_id=${detectorId}&want_async=True`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/png' },
    body: new Uint8Array(image),
  });
}

describe('disk full at the edge', () => {
  it('answers 507 with a detail, keeps what it accepted, and accepts again when space returns', async () => {
    const accepted: string[] = [];
    let refusal: Response | null = null;
    for (let i = 0; i < 200 && !refusal; i++) {
      const res = await submit();
      if (res.status === 200) accepted.push(ImageQuerySchema.parse(await res.json()).id);
      else refusal = res;
    }
    expect(refusal, 'the disk never filled').not.toBeNull();
    expect(accepted.length).toBeGreaterThan(0);
    expect(refusal!.status).toBe(507);
    expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refusal!.json()) as { detail?: unknown; code?: unknown };
    expect(typeof body.detail).toBe('string');
    expect(body.code).toBe('INSUFFICIENT_STORAGE');
    // Still full: the next write is refused the same way (no 500 once SQLite has hit the wall).
    expect((await submit()).status).toBe(507);
    expect((await fetch(`${edge.url}/health/live`)).status).toBe(200);

    // Space returns: writes are accepted again, and nothing accepted before was lost or damaged.
    execFileSync('mount', ['-o', 'remount,size=256m', mount]);
    const again = await submit();
    expect(again.status).toBe(200);
    accepted.push(ImageQuerySchema.parse(await again.json()).id);
    for (const id of accepted) {
      const res = await fetch(`${edge.url}/device-api/v1/image-queries/${id}`, {
        headers: { 'x-api-token': ADMIN },
      });
      expect(res.status, id).toBe(200);
      const img = await fetch(`${edge.url}/device-api/v1/image-queries/${id}/image`, {
        headers: { 'x-api-token': ADMIN },
      });
      expect(img.status, `${id} image`).toBe(200);
      expect(Buffer.from(await img.arrayBuffer()).equals(image), `${id} image bytes`).toBe(true);
    }
  }, 180_000);
});
