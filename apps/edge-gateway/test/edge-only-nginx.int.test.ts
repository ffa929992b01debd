/**
 * An edge-only site: Debian's real nginx (nginx/edge.conf.template) in front of the real gateway and the real
 * inference service with a real model, and no cloud at all. nginx's cloud fallback points at a recorder that
 * would answer like a cloud (200, an UNCLEAR image query), so a request nginx replays shows as that answer and
 * in the recorder's count: "nothing was sent" is a counter, not a pause.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@intellioptics/schema';
import {
  freePort,
  selfSignedCert,
  startNginx,
  startRecorder,
  type NginxInstance,
  type Recorder,
} from '../../../nginx/test/harness';
import { buildStarterModel, stageStarterData } from '../../../tools/build-starter-model';
import { startGateway, type Harness } from './support/harness';
import { inferenceChild, type ServiceChild } from './support/real-services';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'libs', 'vision', 'test', 'fixtures');
const TOKEN = 'edgeTOKEN_edge_only_nginx_abcd';
const WITH_MODEL = newId('detector');
const NO_MODEL = newId('detector');
/** Named in edge-config as no_cloud but not described (no mode, name, query): the edge never saw it. */
const UNDESCRIBED = newId('detector');

let work = '';
let inference: ServiceChild;
let edge: Harness;
let nginx: NginxInstance;
let fakeCloud: Recorder;
let base = '';

const brick = readFileSync(
  join(FIXTURES, 'textures', 'brick', readdirSync(join(FIXTURES, 'textures', 'brick')).sort()[0]!),
);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'io-edge-only-'));
  const edgeHome = join(work, 'edge');
  await stageStarterData(FIXTURES, join(work, 'data'));
  await buildStarterModel({ detectorId: WITH_MODEL, dataDir: join(work, 'data'), ioHome: edgeHome });
  const inf = await inferenceChild(edgeHome);
  inference = inf.child;
  await inference.start();
  edge = await startGateway({
    // Nothing listens there: the edge has no cloud.
    cloudUrl: `http://127.0.0.1:${await freePort()}`,
    inferenceUrl: inf.url,
    token: TOKEN,
    ioHome: edgeHome,
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0 }',
      'detectors:',
      ...[WITH_MODEL, NO_MODEL].map(
        (id) =>
          `  - { detector_id: ${id}, edge_inference_config: no_cloud, name: ${id}, query: Is it brick?, mode: BINARY }`,
      ),
      `  - { detector_id: ${UNDESCRIBED}, edge_inference_config: no_cloud }`,
    ].join('\n'),
  });
  fakeCloud = await startRecorder((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'iq_from_the_cloud', result: { label: 'UNCLEAR', confidence: 0.5 } }));
  });
  const { cert, key } = selfSignedCert(work);
  const [http, https] = [await freePort(), await freePort()];
  nginx = await startNginx(
    'edge.conf.template',
    {
      EDGE_HTTP_PORT: `127.0.0.1:${http}`,
      EDGE_HTTPS_PORT: `127.0.0.1:${https}`,
      EDGE_GATEWAY_ADDR: edge.url.replace('http://', ''),
      CLOUD_URL: `http://127.0.0.1:${fakeCloud.port}`,
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_ACCESS_LOG: join(work, 'access.log'),
      CLOUD_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
    },
    [http, https],
  );
  base = `http://127.0.0.1:${http}`;
}, 240_000);

afterAll(async () => {
  await nginx?.stop();
  await fakeCloud?.close();
  await edge?.gateway.close();
  await inference?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

const submit = (detectorId: string) =>
  fetch(`${base}/device-api/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    headers: { 'x-api-token': TOKEN, 'content-type': 'image/jpeg' },
    body: new Uint8Array(brick),
  });

describe('an edge-only site behind nginx (no cloud)', () => {
  it('answers a no_cloud detector with its model at the edge, through nginx', async () => {
    const res = await submit(WITH_MODEL);
    const body = (await res.json()) as {
      id: string;
      result: { label: string; source: string; from_edge: boolean };
    };
    expect(res.status).toBe(200);
    expect(body.id).not.toBe('iq_from_the_cloud');
    expect(body.result).toMatchObject({ label: 'YES', source: 'ALGORITHM', from_edge: true });
    expect(res.headers.get('x-intellioptics-answered-by')).toBe('edge');
    expect(fakeCloud.requests).toHaveLength(0);
  });

  it("a no_cloud detector without a model stays at the edge (503 edge-only), never the cloud's answer", async () => {
    const res = await submit(NO_MODEL);
    const body = (await res.json()) as { detail?: string; code?: string; id?: string };
    expect(body.id).toBeUndefined();
    expect(res.status).toBe(503);
    expect(body).toMatchObject({ code: 'EDGE_ONLY_UNAVAILABLE' });
    expect(body.detail).toMatch(/edge/i);
    expect(res.headers.get('x-io-edge-only-body')).toBeNull();
    expect(fakeCloud.requests).toHaveLength(0);
  });

  it('a no_cloud detector the edge cannot describe is refused at the edge, not replayed to the cloud', async () => {
    const res = await submit(UNDESCRIBED);
    const body = (await res.json()) as { detail?: string; code?: string; id?: string };
    expect({ status: res.status, id: body.id, edgeOnly: res.headers.get('x-io-edge-only') }).toEqual({
      status: 503,
      id: undefined,
      edgeOnly: '1',
    });
    expect(body.detail).toMatch(/cloud/);
    expect(fakeCloud.requests).toHaveLength(0);
  });

  it('keeps the routes only the cloud serves from the recorder when the gateway answers them itself', async () => {
    // With no cloud, the gateway's own 503 CLOUD_UNREACHABLE for a cloud-only route is final at nginx (only
    // a gateway that cannot be reached falls back).
    const me = await fetch(`${base}/device-api/v1/me`, { headers: { 'x-api-token': TOKEN } });
    expect([200, 503]).toContain(me.status);
    expect(fakeCloud.requests.map((r) => r.url)).toEqual([]);
  });

  // Last: stops inference.
  it('with inference down, a no_cloud detector answers 503 edge-only at the edge, never the cloud', async () => {
    await inference.stop('SIGKILL');
    for (let i = 0; i < 8; i++) {
      const res = await submit(WITH_MODEL);
      const body = (await res.json()) as { detail?: string; code?: string; id?: string };
      expect({ status: res.status, id: body.id, edgeOnly: res.headers.get('x-io-edge-only') }).toEqual({
        status: 503,
        id: undefined,
        edgeOnly: '1',
      });
      expect(typeof body.detail).toBe('string');
    }
    expect(fakeCloud.requests).toHaveLength(0);
  });
});
