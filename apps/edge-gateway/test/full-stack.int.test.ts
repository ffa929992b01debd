/**
 * cloud-graph + inference + edge-gateway for real: PostgreSQL per run, real starter models trained by the
 * vision library's starter-model tool from the committed fixture images, model versions published in the
 * cloud and pushed to the edge over graphql-ws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageQuerySchema, type ImageQuery } from '@intellioptics/schema';
import { buildStarterModel } from '../../../tools/build-starter-model';
import { packModelPackage } from '../src/models/package-archive';
import { freePort, spawnGateway } from './support/child';
import { hugePngHeader } from './support/images';
import { outboxRows, startGateway, waitFor, type Harness } from './support/harness';
import { ServiceChild, createDatabase, gql } from './support/real-services';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'libs', 'vision', 'test', 'fixtures');
const ADMIN = 'io_admin_edge_fullstack_token_0000001';

let work = '';
let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let inference: ServiceChild;
let cloudUrl = '';
let inferenceUrl = '';
let hubToken = '';
let edge: Harness;
let pkgDir = '';
const det: Record<'def' | 'nc' | 'esc', string> = { def: '', nc: '', esc: '' };
let brick: Buffer;
let cat: Buffer;

async function post(
  detectorId: string,
  image: Buffer,
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const q = new URLSearchParams({ detector_id: detectorId, ...params });
  return fetch(`${edge.url}/device-api/v1/image-queries?${q.toString()}`, {
    method: 'POST',
    headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg', ...headers },
    body: new Uint8Array(image),
  });
}

async function cloudGet(path: string) {
  return fetch(`${cloudUrl}${path}`, { headers: { 'x-api-token': ADMIN } });
}

/** Upload the trained package (a tar of its files) as the next version of both models and publish it. */
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
    const id = created.createModelVersion.modelVersion?.id;
    expect(created.createModelVersion.ok, created.createModelVersion.error?.message).toBe(true);
    const published = await gql<{ publishModelVersion: { ok: boolean; error: { message: string } | null } }>(
      cloudUrl,
      ADMIN,
      `mutation($id: ID!) { publishModelVersion(id: $id) { ok error { message } } }`,
      { id },
    );
    expect(published.publishModelVersion.ok, published.publishModelVersion.error?.message).toBe(true);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-full-'));
  brick = await readFile(join(FIXTURES, 'textures/brick/09.jpg'));
  cat = await readFile(join(FIXTURES, 'photos/chelsea.jpg'));

  // Train a real starter model (brick = YES, grass/gravel = NO) on the training tiles (00..07).
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
  const cloudPort = await freePort();
  cloudUrl = `http://127.0.0.1:${cloudPort}`;
  cloud = new ServiceChild(
    'cloud-graph',
    'apps/cloud-graph/src/main.ts',
    {
      DATABASE_URL: db.url,
      BLOB_DIR: join(work, 'blobs'),
      BLOB_SIGNING_SECRET: 'edge-fullstack-signing-secret-01',
      IO_BOOTSTRAP_TOKEN: ADMIN,
      PORT: String(cloudPort),
      HOST: '127.0.0.1',
    },
    `${cloudUrl}/health/ready`,
  );
  await cloud.start();

  const hub = await gql<{ registerHub: { ok: boolean; token: string } }>(
    cloudUrl,
    ADMIN,
    `mutation { registerHub(name: "edge-fullstack", detectorIds: null) { ok token } }`,
  );
  hubToken = hub.registerHub.token;
  for (const key of ['def', 'nc', 'esc'] as const) {
    const res = await fetch(`${cloudUrl}/device-api/v1/detectors`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `edge ${key} ${work.slice(-6)}`,
        query: 'Is it brick?',
        confidence_threshold: 0.8,
      }),
    });
    expect(res.status).toBeLessThan(300);
    det[key] = ((await res.json()) as { id: string }).id;
  }

  const ioHome = join(work, 'edge-home');
  const infPort = await freePort();
  const infHealthPort = await freePort();
  inference = new ServiceChild(
    'inference',
    'apps/inference/src/main.ts',
    {
      IO_HOME: ioHome,
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_PORT: String(infPort),
      INFERENCE_HEALTH_PORT: String(infHealthPort),
      INFERENCE_MODEL_POLL_MS: '200',
    },
    `http://127.0.0.1:${infHealthPort}/health/live`,
  );
  await inference.start();

  inferenceUrl = `http://127.0.0.1:${infPort}`;
  edge = await startGateway({
    cloudUrl,
    inferenceUrl,
    token: hubToken,
    ioHome,
    env: {
      MODEL_UPDATES: '1',
      EDGE_HUB_TOKEN: hubToken,
      CLOUD_TIMEOUT_MS: '3000',
      SYNC_ESCALATION_TIMEOUT_MS: '6000',
    },
    configYaml: [
      'global_config: { refresh_rate: 3600, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${det.def}, edge_inference_config: default }`,
      `  - { detector_id: ${det.nc}, edge_inference_config: no_cloud }`,
      `  - { detector_id: ${det.esc}, edge_inference_config: edge_answers_with_escalation }`,
    ].join('\n'),
  });
}, 600_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('edge + cloud + inference', () => {
  it('serves a model version published in the cloud within seconds (pushed over graphql-ws)', async () => {
    const t0 = Date.now();
    for (const id of Object.values(det)) await publish(id);
    const iq = await waitFor(
      async () => {
        const res = await post(det.def, brick, { confidence_threshold: '0.5' });
        if (res.status !== 200) return null;
        const body = ImageQuerySchema.parse(await res.json());
        return body.result?.from_edge ? body : null;
      },
      60_000,
      'the first edge answer',
    );
    const seconds = (Date.now() - t0) / 1000;
    console.log(`published → served at the edge: ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(30);
    expect(iq.result).toMatchObject({ source: 'ALGORITHM', from_edge: true, label: 'YES' });
    const ready = (await (
      await fetch(`${edge.url}/edge-detector-readiness`, { headers: { 'x-api-token': hubToken } })
    ).json()) as Record<string, { ready: boolean }>;
    expect(ready[det.def]).toEqual({ ready: true });
  }, 120_000);

  it('answers a confident query at the edge', async () => {
    const res = await post(det.def, brick, { confidence_threshold: '0.5' });
    const iq = ImageQuerySchema.parse(await res.json());
    expect(iq.metadata).toEqual({ is_from_edge: true });
    expect(res.headers.get('x-intellioptics-reason')).toBe('CONFIDENT');
    expect(iq.done_processing).toBe(true);
    expect(iq.result?.result_type).toBe('binary_classification');
    const edgeResult = JSON.parse(res.headers.get('x-intellioptics-edge-result')!) as Record<string, number>;
    expect(edgeResult.raw_primary_confidence).toBeGreaterThan(0.5);
    expect(edgeResult.primary_model_version).toBe(1);
    expect((await cloudGet(`/device-api/v1/image-queries/${iq.id}`)).status).toBe(404); // nothing sent
  });

  let escalated: ImageQuery;
  it('escalates an unconfident query through the cloud; after labelling, the edge shows the human answer', async () => {
    const res = await post(det.def, cat, { confidence_threshold: '0.999999' });
    expect(res.status).toBe(200);
    escalated = ImageQuerySchema.parse(await res.json());
    // The cloud took it for review and has no answer yet: the edge's own answer stands in (never result null).
    expect(escalated.result).toMatchObject({ source: 'ALGORITHM', from_edge: true });
    expect(escalated.done_processing).toBe(false);
    const inCloud = ImageQuerySchema.parse(
      await (await cloudGet(`/device-api/v1/image-queries/${escalated.id}`)).json(),
    );
    expect(['BELOW_THRESHOLD', 'OUT_OF_DOMAIN']).toContain(res.headers.get('x-intellioptics-reason'));
    // The caller sent no metadata: the cloud returns none (the edge's keys stay in its escalation).
    expect(inCloud.metadata).toBeNull();

    const label = await fetch(`${cloudUrl}/device-api/v1/labels`, {
      method: 'POST',
      headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'NO', image_query_id: escalated.id, rois: null }),
    });
    expect(label.status).toBe(201);
    const human = await waitFor(
      async () => {
        const r = await fetch(`${edge.url}/device-api/v1/image-queries/${escalated.id}`, {
          headers: { 'x-api-token': ADMIN },
        });
        const iq = ImageQuerySchema.parse(await r.json());
        return iq.result?.source === 'USER' ? iq : null;
      },
      15_000,
      'the human answer on the edge',
    );
    expect(human.result).toMatchObject({ label: 'NO', confidence: 1 });
  }, 60_000);

  it('never sends a no_cloud detector to the cloud', async () => {
    const res = await post(det.nc, cat, { confidence_threshold: '0.999999' });
    const iq = ImageQuerySchema.parse(await res.json());
    expect(res.headers.get('x-intellioptics-reason')).toBe('EDGE_ONLY');
    expect(iq.result?.from_edge).toBe(true);
    // Not in the cloud, and nothing queued to send it later.
    expect((await cloudGet(`/device-api/v1/image-queries/${iq.id}`)).status).toBe(404);
    expect(await outboxRows(edge.gateway, [iq.id])).toBe(0);
  });

  it.each([
    ['zero bytes', Buffer.alloc(0), {}, 400],
    ['a truncated JPEG', () => brick.subarray(0, Math.floor(brick.length / 2)), {}, 400],
    ['a 50 MP image', () => hugePngHeader(10_000, 5_000), {}, 413],
    ['a wrong content type', () => brick, { 'content-type': 'application/json' }, 415],
  ] as const)('refuses %s with the documented 4xx', async (_what, body, headers, status) => {
    const res = await post(det.def, typeof body === 'function' ? body() : body, {}, headers);
    expect(res.status).toBe(status);
    expect(typeof ((await res.json()) as { detail: unknown }).detail).toBe('string');
  });

  it('refuses an unknown detector (404) and a bad human_review (400)', async () => {
    expect((await post('det_' + 'Z'.repeat(27), brick)).status).toBe(404);
    expect((await post(det.def, brick, { human_review: 'PLEASE' })).status).toBe(400);
  });

  it('keeps answering while the cloud is down; every queued escalation arrives once when it is back', async () => {
    await cloud.stop();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await post(det.def, brick, { want_async: 'True' });
      expect(res.status).toBe(200);
      ids.push(ImageQuerySchema.parse(await res.json()).id);
    }
    const unconfident = await post(det.def, cat, { confidence_threshold: '0.999999' });
    expect(unconfident.status).toBe(200);
    const u = ImageQuerySchema.parse(await unconfident.json());
    expect(u.result?.from_edge).toBe(true); // the edge answer while the cloud is away
    expect(u.done_processing).toBe(false);
    ids.push(u.id);
    const confident = ImageQuerySchema.parse(
      await (await post(det.def, brick, { confidence_threshold: '0.5' })).json(),
    );
    expect(confident.result?.from_edge).toBe(true);
    expect(edge.gateway.store.pendingOutboxCount()).toBeGreaterThanOrEqual(7);

    await cloud.start();
    await waitFor(() => edge.gateway.store.pendingOutboxCount() === 0, 60_000, 'the outbox to drain');
    for (const id of ids) expect((await cloudGet(`/device-api/v1/image-queries/${id}`)).status).toBe(200);
    const list = (await (
      await cloudGet(`/device-api/v1/image-queries?detector_id=${det.def}&page_size=100`)
    ).json()) as {
      results: { id: string }[];
    };
    const arrived = list.results.map((r) => r.id).filter((id) => ids.includes(id));
    expect(arrived.sort()).toEqual([...ids].sort()); // each exactly once
    expect((await cloudGet(`/device-api/v1/image-queries/${confident.id}`)).status).toBe(404);
  }, 120_000);

  it('switches to a newly published version without dropping a request', async () => {
    let stop = false;
    const statuses: number[] = [];
    const versions: number[] = [];
    const load = (async () => {
      while (!stop) {
        const res = await post(det.esc, brick, { confidence_threshold: '0.5' });
        statuses.push(res.status);
        if (res.status === 200) {
          ImageQuerySchema.parse(await res.json());
          const edgeResult = JSON.parse(res.headers.get('x-intellioptics-edge-result')!) as {
            primary_model_version: number;
          };
          versions.push(edgeResult.primary_model_version);
        }
      }
    })();
    await waitFor(() => versions.length >= 3, 30_000, 'answers of version 1 under load');
    await publish(det.esc);
    await waitFor(() => versions.at(-1) === 2, 60_000, 'version 2 to be served');
    const swappedAt = versions.length;
    await waitFor(() => versions.length >= swappedAt + 3, 30_000, 'more answers after the swap');
    stop = true;
    await load;
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(versions[0]).toBe(1);
    expect(versions.at(-1)).toBe(2);
    const hubs = await gql<{
      hubs: { servedDetectors: { detectorId: string; primaryVersion: number | null }[] }[];
    }>(cloudUrl, ADMIN, `{ hubs { servedDetectors { detectorId primaryVersion } } }`);
    const served = hubs.hubs.flatMap((h) => h.servedDetectors).find((s) => s.detectorId === det.esc);
    await waitFor(
      async () => {
        const again = await gql<{
          hubs: { servedDetectors: { detectorId: string; primaryVersion: number | null }[] }[];
        }>(cloudUrl, ADMIN, `{ hubs { servedDetectors { detectorId primaryVersion } } }`);
        return (
          again.hubs.flatMap((h) => h.servedDetectors).find((s) => s.detectorId === det.esc)
            ?.primaryVersion === 2
        );
      },
      15_000,
      'the heartbeat to report version 2',
    );
    expect(served).toBeDefined();
  }, 120_000);

  it('loses no accepted image query when the gateway process is killed with -9', async () => {
    const port = await freePort();
    const env = {
      IO_HOME: join(work, 'crash-home'),
      CLOUD_URL: cloudUrl,
      INFERENCE_URL: inferenceUrl,
      EDGE_API_TOKEN: hubToken,
      MODEL_UPDATES: '0',
      OUTBOX_BACKOFF_MAX_S: '1',
    };
    let gw = await spawnGateway(port, env);
    // Meet the detector and the client's token while the cloud is up (both are then cached on disk).
    const warm = await fetch(
      `${gw.url}/device-api/v1/image-queries?detector_id=${det.def}&confidence_threshold=0.5`,
      {
        method: 'POST',
        headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
        body: new Uint8Array(brick),
      },
    );
    expect(warm.status).toBe(200);
    await cloud.stop(); // escalations must wait in the outbox across the crash
    const accepted: { id: string; async: boolean }[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const async = (i + n) % 3 === 0;
        const q = new URLSearchParams({
          detector_id: det.def,
          confidence_threshold: '0.5',
          ...(async ? { want_async: 'True' } : {}),
        });
        try {
          const res = await fetch(`${gw.url}/device-api/v1/image-queries?${q.toString()}`, {
            method: 'POST',
            headers: { 'x-api-token': ADMIN, 'content-type': 'image/jpeg' },
            body: new Uint8Array(brick),
          });
          if (res.status === 200) accepted.push({ id: ImageQuerySchema.parse(await res.json()).id, async });
        } catch {
          return; // killed mid-request: never answered
        }
      }
    };
    const loops = Array.from({ length: 4 }, (_, n) => worker(n));
    await waitFor(() => accepted.length >= 30, 60_000, '30 accepted queries');
    gw.child.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);

    await cloud.start();
    gw = await spawnGateway(port, env);
    try {
      for (const { id } of accepted) {
        const res = await fetch(`${gw.url}/device-api/v1/image-queries/${id}`, {
          headers: { 'x-api-token': ADMIN },
        });
        expect(res.status, id).toBe(200);
      }
      const asyncIds = accepted.filter((a) => a.async).map((a) => a.id);
      expect(asyncIds.length).toBeGreaterThan(0);
      await waitFor(
        async () => {
          for (const id of asyncIds)
            if ((await cloudGet(`/device-api/v1/image-queries/${id}`)).status !== 200) return false;
          return true;
        },
        60_000,
        'every queued escalation in the cloud',
      );
    } finally {
      gw.child.kill('SIGTERM');
    }
  }, 240_000);

  it('answers a federated /graphql query joining cloud and edge fields, and edge-only queries while the cloud is down', async () => {
    const query = `{ edgeStatus { outboxPending cloudReachable } edgeDetectors { id name query edgeReady edgeModelVersions { primary oodd } edgeImageQueries } }`;
    const ask = async (q: string) => {
      const res = await fetch(`${edge.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-token': ADMIN },
        body: JSON.stringify({ query: q }),
      });
      return (await res.json()) as {
        data?: { edgeStatus: { outboxPending: number }; edgeDetectors?: Record<string, unknown>[] } | null;
        errors?: unknown[];
      };
    };
    const online = await ask(query);
    expect(online.errors).toBeUndefined();
    const def = online.data?.edgeDetectors?.find((d) => d.id === det.def);
    expect(def).toMatchObject({ query: 'Is it brick?', edgeReady: true, edgeModelVersions: { primary: 1 } });
    expect(def?.name).toMatch(/^edge def/);
    expect(def?.edgeImageQueries).toBeGreaterThan(0);

    await cloud.stop();
    try {
      const offline = await ask(
        `{ edgeStatus { outboxPending } edgeDetectors { id edgeReady edgeModelVersions { primary } } }`,
      );
      expect(offline.data?.edgeStatus.outboxPending).toBe(0);
      expect(offline.data?.edgeDetectors?.find((d) => d.id === det.def)).toMatchObject({ edgeReady: true });
      const joined = await ask(query);
      expect(joined.errors?.length ?? 0).toBeGreaterThan(0); // the cloud's fields fail with an error entry
    } finally {
      await cloud.start();
    }
  }, 120_000);

  it('stops answering with the models of a detector reset or deleted through the edge', async () => {
    const create = async (key: string) => {
      const res = await fetch(`${edge.url}/device-api/v1/detectors`, {
        method: 'POST',
        headers: { 'x-api-token': ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `edge ${key} ${work.slice(-6)}`, query: 'Is it brick?' }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const modelsDir = join(work, 'edge-home', 'models');
    const reset = await create('reset');
    const gone = await create('gone');
    for (const id of [reset, gone]) {
      await publish(id);
      await waitFor(
        async () => {
          const res = await post(id, brick, { confidence_threshold: '0.5' });
          return res.status === 200 && res.headers.get('x-intellioptics-reason') === 'CONFIDENT'
            ? true
            : null;
        },
        60_000,
        `the first edge answer of ${id}`,
      );
    }

    const call = (path: string) =>
      fetch(`${edge.url}/device-api/v1/${path}`, { method: 'DELETE', headers: { 'x-api-token': ADMIN } });
    expect((await call(`detector-reset/${reset}`)).status).toBe(204);
    // Its cloud models leave the edge's store at once; the inference service unloads it at its next check.
    expect(await readdir(join(modelsDir, reset, 'primary'))).toEqual([]);
    const reason = await waitFor(
      async () => {
        const res = await post(reset, brick, { confidence_threshold: '0.5' });
        const r = res.headers.get('x-intellioptics-reason');
        return res.status === 200 && r !== 'CONFIDENT' ? r : null;
      },
      30_000,
      'an answer without the old model',
    );
    expect(reason).toBe('NO_MODEL');

    expect((await call(`detectors/${gone}`)).status).toBe(204);
    expect((await post(gone, brick)).status).toBe(404);
    expect(await readdir(join(modelsDir, gone, 'primary'))).toEqual([]);
  }, 240_000);
});
