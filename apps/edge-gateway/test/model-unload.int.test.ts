/**
 * A detector deleted or reset directly at the cloud (not through this edge) stops being answered with its old
 * model within one model-sync interval: cloud-graph + inference + edge-gateway for real (PostgreSQL per run, a
 * real starter model trained from the committed fixture images), `refresh_rate: 2`. The edge removes only the
 * packages it downloaded (from_cloud.json); an operator's starter package, installed by
 * tools/build-starter-model.ts into the edge's model store, keeps serving through a reset of its detector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOUD_INSTALL_MARKER, ImageQuerySchema } from '@intellioptics/schema';
import { buildStarterModel } from '../../../tools/build-starter-model';
import { packModelPackage } from '../src/models/package-archive';
import { startGateway, waitFor, type Harness } from './support/harness';
import { cloudChild, createDatabase, gql, inferenceChild, type ServiceChild } from './support/real-services';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'libs', 'vision', 'test', 'fixtures');
const ADMIN = 'io_admin_edge_model_unload_token_0001';
const REFRESH_S = 2;

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let edge: Harness;
let pkgDir = '';
let modelsDir = '';
const det: Record<'reset' | 'gone' | 'own', string> = { reset: '', gone: '', own: '' };
let brick: Buffer;

function post(detectorId: string) {
  const q = new URLSearchParams({ detector_id: detectorId, confidence_threshold: '0.5' });
  return fetch(`${edge.url}/device-api/v1/image-queries?${q.toString()}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(brick),
  });
}

const atCloud = (path: string) =>
  fetch(`${cloudUrl}/device-api/v1/${path}`, { method: 'DELETE', headers: { 'x-api-token': ADMIN } });

/** Upload the trained package as the next version of both models and publish it. */
async function publish(detectorId: string): Promise<void> {
  for (const kind of ['oodd', 'primary'] as const) {
    const dir = join(pkgDir, kind);
    const files = await Promise.all(
      (await readdir(dir)).map(async (f) => [f, await readFile(join(dir, f))] as [string, Buffer]),
    );
    const created = await gql<{
      createModelVersion: {
        ok: boolean;
        error: { message: string } | null;
        modelVersion: { id: string } | null;
      };
    }>(
      cloudUrl,
      ADMIN,
      `mutation($input: CreateModelVersionInput!) {
        createModelVersion(input: $input) { ok error { message } modelVersion { id } }
      }`,
      { input: { detectorId, kind, packageBase64: packModelPackage(files).toString('base64'), metrics: {} } },
    );
    expect(created.createModelVersion.ok, created.createModelVersion.error?.message).toBe(true);
    const published = await gql<{ publishModelVersion: { ok: boolean; error: { message: string } | null } }>(
      cloudUrl,
      ADMIN,
      `mutation($id: ID!) { publishModelVersion(id: $id) { ok error { message } } }`,
      { id: created.createModelVersion.modelVersion?.id },
    );
    expect(published.publishModelVersion.ok, published.publishModelVersion.error?.message).toBe(true);
  }
}

/** The edge answers the detector confidently (with a model), or null. */
async function confident(detectorId: string): Promise<true | null> {
  const res = await post(detectorId);
  return res.status === 200 && res.headers.get('x-intellioptics-reason') === 'CONFIDENT' ? true : null;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-unload-'));
  brick = await readFile(join(FIXTURES, 'textures/brick/09.jpg'));
  const data = join(work, 'data');
  for (const [cls, textures] of [
    ['YES', ['brick']],
    ['NO', ['grass', 'gravel']],
  ] as const) {
    await mkdir(join(data, cls), { recursive: true });
    for (const t of textures) {
      for (const f of await readdir(join(FIXTURES, 'textures', t))) {
        if (Number(f.slice(0, 2)) < 8)
          await cp(join(FIXTURES, 'textures', t, f), join(data, cls, `${t}-${f}`));
      }
    }
  }
  pkgDir = join(work, 'pkg');
  await buildStarterModel({ detectorId: 'starter', dataDir: data, out: pkgDir });

  db = createDatabase();
  const c = await cloudChild({ databaseUrl: db.url, work, adminToken: ADMIN });
  cloud = c.child;
  cloudUrl = c.url;
  await cloud.start();
  const hub = await gql<{ registerHub: { ok: boolean; token: string } }>(
    cloudUrl,
    ADMIN,
    `mutation { registerHub(name: "edge-unload", detectorIds: null) { ok token } }`,
  );
  for (const key of ['reset', 'gone', 'own'] as const) {
    const res = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `unload ${key} ${work.slice(-6)}`, query: 'Is it brick?' }),
    });
    expect(res.status).toBeLessThan(300);
    det[key] = ((await res.json()) as { id: string }).id;
  }

  // The operator's own model for `own`, installed the documented way (no cloud model exists for it).
  const ioHome = join(work, 'edge-home');
  modelsDir = join(ioHome, 'models');
  await buildStarterModel({ detectorId: det.own, dataDir: data, ioHome });

  const inf = await inferenceChild(ioHome, { INFERENCE_MODEL_POLL_MS: '200' });
  inference = inf.child;
  await inference.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: inf.url,
    token: hub.registerHub.token,
    ioHome,
    env: { MODEL_UPDATES: '1', EDGE_HUB_TOKEN: hub.registerHub.token, CLOUD_TIMEOUT_MS: '3000' },
    configYaml: [
      `global_config: { refresh_rate: ${REFRESH_S}, confident_audit_rate: 0 }`,
      'detectors:',
      ...Object.values(det).map((id) => `  - { detector_id: ${id}, edge_inference_config: default }`),
    ].join('\n'),
  });
}, 600_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('a detector deleted or reset at the cloud', () => {
  it('is answered with its model first; the cloud packages carry the marker, the operator one does not', async () => {
    await publish(det.reset);
    await publish(det.gone);
    for (const id of Object.values(det))
      await waitFor(() => confident(id), 60_000, `a model answer of ${id}`);
    for (const id of [det.reset, det.gone])
      expect(existsSync(join(modelsDir, id, 'primary', '1', CLOUD_INSTALL_MARKER))).toBe(true);
    expect(existsSync(join(modelsDir, det.own, 'primary', '1', 'model_id.txt'))).toBe(true);
    expect(existsSync(join(modelsDir, det.own, 'primary', '1', CLOUD_INSTALL_MARKER))).toBe(false);
  }, 120_000);

  it('reset at the cloud: answered like a new detector (the prior, escalated) within the sync interval', async () => {
    const t0 = Date.now();
    expect((await atCloud(`detector-reset/${det.reset}`)).status).toBe(204);
    const res = await waitFor(
      async () => {
        const r = await post(det.reset);
        return r.status === 200 && r.headers.get('x-intellioptics-reason') !== 'CONFIDENT' ? r : null;
      },
      30_000,
      'an answer without the old model',
    );
    const seconds = (Date.now() - t0) / 1000;
    console.log(`reset at the cloud → answered without the old model after ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(REFRESH_S + 5); // one poll interval, then the inference check (200 ms)
    expect(res.headers.get('x-intellioptics-reason')).toBe('NO_MODEL');
    const iq = ImageQuerySchema.parse(await res.json());
    expect(iq.result).not.toBeNull();
    expect(iq.result!.confidence!).toBeLessThanOrEqual(0.5);
    // Escalated: the cloud holds the query (sent at once, or through the outbox).
    await waitFor(
      async () =>
        (
          await fetch(`${cloudUrl}/device-api/v1/image-queries/${iq.id}`, {
            headers: { 'x-api-token': ADMIN },
          })
        ).status === 200,
      10_000,
      'the escalated query in the cloud',
    );
    expect(await readdir(join(modelsDir, det.reset, 'primary'))).toEqual([]);
  }, 60_000);

  it('deleted at the cloud: 404 within the sync interval, its packages gone', async () => {
    const t0 = Date.now();
    expect((await atCloud(`detectors/${det.gone}`)).status).toBe(204);
    await waitFor(
      async () => (await post(det.gone)).status === 404,
      30_000,
      'a 404 for the deleted detector',
    );
    const seconds = (Date.now() - t0) / 1000;
    console.log(`deleted at the cloud → 404 at the edge after ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(REFRESH_S + 5); // one poll interval, then the inference check (200 ms)
    expect(await readdir(join(modelsDir, det.gone, 'primary'))).toEqual([]);
  }, 60_000);

  it("the operator's package survives a reset of its detector at the cloud and keeps serving", async () => {
    expect((await atCloud(`detector-reset/${det.own}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, (REFRESH_S + 1) * 1000)); // one sync interval and a check
    expect(await readdir(join(modelsDir, det.own, 'primary'))).toEqual(['1']);
    expect(await confident(det.own)).toBe(true);
  }, 60_000);
});
