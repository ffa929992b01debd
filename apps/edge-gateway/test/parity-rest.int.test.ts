/**
 * Groundlight parity of the edge's REST surface (ticket #20 items 1–2), driven the way the SDK drives it, over
 * HTTP, through BOTH front doors: the edge gateway directly (`npm start` without nginx) and Debian's real nginx
 * (nginx/edge.conf.template) in front of it. A real cloud (`startCloudForTests`) answers what the edge forwards;
 * shapes are checked against the Groundlight OpenAPI fixture's required keys.
 *
 * The SDK's constructor (`Groundlight()`, 0.31) calls `GET /device-api/v1/me` (the token check; it reads
 * `username`, `email`, `is_superuser`), then `GET /device-api/v1/api-tokens/by-snippet/{first 8 chars}` (a 404
 * or `token_ttl: null` means "keep the configured token"). Both are asked of the cloud with the caller's token.
 *
 * Inference is not running (a closed port): every query is escalated, which is the path these routes care about.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startCloudForTests, type TestCloud } from '@intellioptics/cloud-graph/test-support';
import { MeSchema } from '@intellioptics/schema';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, selfSignedCert, startNginx, type NginxInstance } from '../../../nginx/test/harness';
import { startGateway, waitFor, type Harness } from './support/harness';
import { png } from './support/images';

const spec = parse(
  readFileSync(
    join(import.meta.dirname, '../../../libs/schema/test/fixtures/groundlight/groundlight-public-api.yaml'),
    'utf8',
  ),
) as { components: { schemas: Record<string, { required?: string[] }> } };

/** Keys the Groundlight spec requires on `schema` that `body` lacks (the SDK's generated models fail on them). */
function missingRequired(schema: string, body: unknown): string[] {
  const required = spec.components.schemas[schema]?.required;
  if (!required) throw new Error(`no ${schema} in the spec`);
  const o = (body ?? {}) as Record<string, unknown>;
  return required.filter((k) => !(k in o));
}

let cloud: TestCloud;
let edge: Harness;
let nginx: NginxInstance;
let nginxDir = '';
let nginxUrl = '';
const image = png(16, 16);

beforeAll(async () => {
  cloud = await startCloudForTests();
  edge = await startGateway({
    cloudUrl: cloud.url,
    inferenceUrl: `http://127.0.0.1:${await freePort()}`,
    token: cloud.tokens.admin,
    // No background refreshes: what the edge shows right after a write is the write-through's doing.
    env: { DETECTOR_REFRESH_S: '3600', IQ_REFRESH_INTERVAL_S: '3600' },
  });
  nginxDir = mkdtempSync(join(tmpdir(), 'io-parity-nginx-'));
  const { cert, key } = selfSignedCert(nginxDir);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  nginx = await startNginx(
    'edge.conf.template',
    {
      EDGE_HTTP_PORT: `127.0.0.1:${httpPort}`,
      EDGE_HTTPS_PORT: `127.0.0.1:${httpsPort}`,
      EDGE_GATEWAY_ADDR: edge.url.replace('http://', ''),
      CLOUD_URL: cloud.url,
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_ACCESS_LOG: join(nginxDir, 'access.log'),
      CLOUD_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
    },
    [httpPort, httpsPort],
  );
  nginxUrl = `http://127.0.0.1:${httpPort}`;
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await edge?.gateway.close();
  await cloud?.close();
  if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
});

const doors = [
  ['the edge directly', () => edge.url],
  ['nginx in front of the edge', () => nginxUrl],
] as const;

describe.each(doors)('through %s', (door, base) => {
  const call = (path: string, init: Parameters<ReturnType<typeof api>>[1] = {}) => api(base())(path, init);
  const json = { 'content-type': 'application/json' };
  let detectorId = '';

  it("constructs the SDK client: GET /me, then by-snippet (the caller's token, not the edge's)", async () => {
    const me = await call('/device-api/v1/me', { token: cloud.tokens.reviewer });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      username: 'reviewer1',
      email: 'reviewer1@example.com',
      is_superuser: false,
    });
    // The spec documents only `username` on /me; the SDK also reads `email` and `is_superuser` (MeSchema).
    expect(MeSchema.safeParse(me.json).success).toBe(true);
    const alias = await call('/v1/me', { token: cloud.tokens.admin });
    expect(alias.status).toBe(200);
    expect(alias.json.username).not.toBe(me.json.username);

    const snippet = await call(`/device-api/v1/api-tokens/by-snippet/${cloud.tokens.reviewer.slice(0, 8)}`, {
      token: cloud.tokens.reviewer,
    });
    expect(snippet.status === 404 || snippet.json?.token_ttl === null, snippet.text).toBe(true);
    expect(snippet.json).toHaveProperty('detail');

    const anonymous = await call('/device-api/v1/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toHaveProperty('detail');
  });

  it('creates a detector through the edge and finds it there at once (list and by id)', async () => {
    const created = await call('/v1/detectors', {
      method: 'POST',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({ name: `parity ${door}`, query: 'Is the door open?', confidence_threshold: 0.8 }),
    });
    expect(created.status, created.text).toBe(201);
    expect(missingRequired('Detector', created.json)).toEqual([]);
    detectorId = created.json.id as string;

    const list = await call(`/v1/detectors?page_size=1000`, { token: cloud.tokens.admin });
    expect(list.status).toBe(200);
    expect(list.headers.get('x-io-served-by')).toBeNull(); // the edge's own cache
    expect(missingRequired('PaginatedDetectorList', list.json)).toEqual([]);
    expect((list.json.results as { id: string }[]).map((d) => d.id)).toContain(detectorId);
    const byId = await call(`/device-api/v1/detectors/${detectorId}`, { token: cloud.tokens.admin });
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({ id: detectorId, confidence_threshold: 0.8 });
  });

  it('is ready at once for a configured detector the cloud has no model for (SDK edge.set_config)', async () => {
    const put = await call('/edge-config', {
      method: 'PUT',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({ detectors: [{ detector_id: detectorId, edge_inference_config: 'default' }] }),
    });
    expect(put.status, put.text).toBe(200);
    const ready = await call('/edge-detector-readiness', { token: cloud.tokens.admin });
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ [detectorId]: { ready: true } });
  });

  it('a PATCH through the edge takes effect at the edge at once', async () => {
    const patched = await call(`/v1/detectors/${detectorId}`, {
      method: 'PATCH',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({
        confidence_threshold: 0.66,
        status: 'OFF',
        escalation_type: 'NO_HUMAN_LABELING',
      }),
    });
    expect(patched.status, patched.text).toBe(200);
    const byId = await call(`/v1/detectors/${detectorId}`, { token: cloud.tokens.admin });
    expect(byId.json).toMatchObject({
      confidence_threshold: 0.66,
      status: 'OFF',
      escalation_type: 'NO_HUMAN_LABELING',
    });
    const restored = await call(`/v1/detectors/${detectorId}`, {
      method: 'PATCH',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({ status: 'ON', escalation_type: 'STANDARD' }),
    });
    expect(restored.status).toBe(200);
  });

  it('a detector deleted through the edge is gone from the edge at once (list and by id)', async () => {
    const created = await call('/v1/detectors', {
      method: 'POST',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({ name: `parity delete ${door}`, query: 'Gone?' }),
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect((await call(`/v1/detectors/${id}`, { token: cloud.tokens.admin })).status).toBe(200);
    const deleted = await call(`/v1/detectors/${id}`, { method: 'DELETE', token: cloud.tokens.admin });
    expect(deleted.status, deleted.text).toBeLessThan(300);
    const list = await call('/v1/detectors?page_size=1000', { token: cloud.tokens.admin });
    expect((list.json.results as { id: string }[]).map((d) => d.id)).not.toContain(id);
    const byId = await call(`/v1/detectors/${id}`, { token: cloud.tokens.admin });
    expect(byId.status).toBe(404);
    expect(byId.json).toHaveProperty('detail');
  });

  it("refuses a detector change with the caller's rights, not the edge's (reviewer → 403 from the cloud)", async () => {
    const r = await call('/v1/detectors', {
      method: 'POST',
      token: cloud.tokens.reviewer,
      headers: json,
      body: JSON.stringify({ name: `not allowed ${door}`, query: 'Q?' }),
    });
    expect(r.status).toBe(403);
    expect(r.json).toHaveProperty('detail');
  });

  it('lists a query submitted a moment ago, and a label posted through the edge shows on the next read', async () => {
    const submitted = await call(`/device-api/v1/image-queries?detector_id=${detectorId}&want_async=True`, {
      method: 'POST',
      token: cloud.tokens.admin,
      headers: { 'content-type': 'image/jpeg' },
      body: image,
    });
    expect(submitted.status, submitted.text).toBe(200);
    expect(missingRequired('ImageQuery', submitted.json)).toEqual([]);
    const iqId = submitted.json.id as string;

    const listed = await call(`/v1/image-queries?detector_id=${detectorId}&page_size=5`, {
      token: cloud.tokens.admin,
    });
    expect(listed.status, listed.text).toBe(200);
    expect(missingRequired('PaginatedImageQueryList', listed.json)).toEqual([]);
    expect((listed.json.results as { id: string }[]).map((q) => q.id)).toContain(iqId);

    // The escalation reaches the cloud through the outbox; a label needs the cloud to know the query.
    await waitFor(
      async () =>
        (await api(cloud.url)(`/v1/image-queries/${iqId}`, { token: cloud.tokens.admin })).status === 200,
      15_000,
      'the escalation in the cloud',
    );
    // A non-ASCII byte in the body: the cloud must receive the same bytes to parse it.
    const label = await call('/device-api/v1/labels', {
      method: 'POST',
      token: cloud.tokens.reviewer,
      headers: json,
      body: Buffer.from(JSON.stringify({ label: 'YES', image_query_id: iqId, rois: null, note: 'ünï' })),
    });
    expect(label.status, label.text).toBe(201);
    // Stored on the edge before the client reads it (no refresh ran in between).
    const stored = await edge.gateway.store.imageQueries.get(iqId);
    expect(JSON.parse(stored!.json).result).toMatchObject({ label: 'YES', source: 'USER' });
    const read = await call(`/device-api/v1/image-queries/${iqId}`, { token: cloud.tokens.admin });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-io-served-by')).toBeNull(); // the edge's copy, already updated
    expect(read.json.result).toMatchObject({ label: 'YES', confidence: 1, source: 'USER' });
  });

  it('ignores unknown submit parameters (newer SDKs add some) instead of refusing them', async () => {
    const r = await call(
      `/v1/image-queries?detector_id=${detectorId}&want_async=True&wait=30&some_2027_option=1`,
      { method: 'POST', token: cloud.tokens.admin, headers: { 'content-type': 'image/jpeg' }, body: image },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ detector_id: detectorId });
  });

  it('reports CPU, memory and per-detector model versions on /status/resources.json (token required)', async () => {
    expect((await call('/status/resources.json')).status).toBe(401);
    const r = await call('/status/resources.json', { token: cloud.tokens.reviewer });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-io-served-by')).toBeNull();
    expect(r.json.cpu.cores).toBeGreaterThan(0);
    expect(r.json.memory.process_rss_bytes).toBeGreaterThan(0);
    // The detector this edge was asked about, with no model installed yet.
    expect(r.json.detectors[detectorId]).toEqual({ primary_version: null, oodd_version: null });
  });

  it("serves the cloud-only routes exactly as the cloud does (status and body, the caller's token)", async () => {
    const own = await api(cloud.url)('/v1/detectors', {
      method: 'POST',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({ name: `cloud-only-${door.length}`, query: 'Is it there?' }),
    });
    expect(own.status).toBeLessThan(300);
    const id = (own.json as { id: string }).id;
    const direct = (path: string, init: Parameters<ReturnType<typeof api>>[1] = {}) =>
      api(cloud.url)(path, init);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // Writes first (through the door), then every read through the door equals the same read at the cloud.
    const note = await call(`/v1/notes?detector_id=${id}`, {
      method: 'POST',
      token: cloud.tokens.reviewer,
      headers: form,
      body: 'content=seen through the door',
    });
    expect(note.status, note.text).toBeLessThan(300);
    const report = await call('/v1/edge/report-metrics', {
      method: 'POST',
      token: cloud.tokens.admin,
      headers: json,
      body: JSON.stringify({ device_id: 'parity', status: { cpu: 0.5 } }),
    });
    expect(report.status, report.text).toBe(200);
    for (const path of [
      `/v1/detectors/${id}/metrics`,
      `/v1/detectors/${id}/evaluation`,
      `/v1/notes?detector_id=${id}`,
      '/v1/detector-groups',
      '/v1/month-to-date-account-info',
    ]) {
      const [viaDoor, atCloud] = [
        await call(path, { token: cloud.tokens.admin }),
        await direct(path, { token: cloud.tokens.admin }),
      ];
      expect(viaDoor.status, `${path}: ${viaDoor.text}`).toBe(atCloud.status);
      expect(viaDoor.status, path).toBe(200);
      expect(viaDoor.json, path).toEqual(atCloud.json);
      expect(viaDoor.headers.get('x-io-served-by'), path).toBe('cloud');
      // The caller's token, not the edge's: without one the cloud's 401 comes back.
      expect((await call(path)).status, path).toBe(401);
    }
    expect(
      JSON.stringify((await call(`/v1/notes?detector_id=${id}`, { token: cloud.tokens.admin })).json),
    ).toContain('seen through the door');
    // A reviewer may not reset (403 from the cloud); an admin may (204), as at the cloud.
    expect(
      (await call(`/v1/detector-reset/${id}`, { method: 'DELETE', token: cloud.tokens.reviewer })).status,
    ).toBe(403);
    expect(
      (await call(`/v1/detector-reset/${id}`, { method: 'DELETE', token: cloud.tokens.admin })).status,
    ).toBe(204);
  });

  it('forwards an unknown id and an unknown route to the cloud with its {"detail"}', async () => {
    const r = await call('/v1/image-queries/iq_0000000000000000000000000zz', { token: cloud.tokens.admin });
    expect(r.status).toBe(404);
    expect(r.json).toHaveProperty('detail');
    const route = await call('/v1/no-such-route', { token: cloud.tokens.admin });
    expect(route.status).toBe(404);
    expect(route.json).toHaveProperty('detail');
  });
});

describe('an edge whose cloud is unreachable', () => {
  let offline: Harness;
  const EDGE_TOKEN = 'io_parity_offline_edge_token_000000001';

  beforeAll(async () => {
    offline = await startGateway({
      cloudUrl: `http://127.0.0.1:${await freePort()}`,
      inferenceUrl: `http://127.0.0.1:${await freePort()}`,
      token: EDGE_TOKEN,
    });
  });
  afterAll(async () => offline?.gateway.close());

  it('answers /me and by-snippet for a caller it verified, so the SDK still starts', async () => {
    const me = await api(offline.url)('/device-api/v1/me', { token: EDGE_TOKEN });
    expect(me.status).toBe(200);
    // The spec documents only `username` on /me; the SDK also reads `email` and `is_superuser` (MeSchema).
    expect(MeSchema.safeParse(me.json).success).toBe(true);
    expect(me.json).toMatchObject({ email: '', is_superuser: false });
    const snippet = await api(offline.url)('/device-api/v1/api-tokens/by-snippet/io_parit', {
      token: EDGE_TOKEN,
    });
    expect(snippet.status).toBe(404);
    expect((await api(offline.url)('/device-api/v1/me', { token: 'io_unknown_token' })).status).toBe(401);
  });

  it('answers a forwarded route with 503 {"detail"} and the edge-only mark (nginx must not retry it)', async () => {
    const r = await api(offline.url)('/v1/labels', {
      method: 'POST',
      token: EDGE_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'YES', image_query_id: 'iq_x' }),
    });
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: 'CLOUD_UNREACHABLE' });
    expect(r.headers.get('x-io-edge-only')).toBe('1');
  });

  it('refuses a replay body larger than the bound with 413 {"detail"}', async () => {
    const r = await api(offline.url)('/v1/labels', {
      method: 'POST',
      token: EDGE_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(11 * 1024 * 1024, 32),
    });
    expect(r.status).toBe(413);
    expect(r.json).toHaveProperty('detail');
  });
});
