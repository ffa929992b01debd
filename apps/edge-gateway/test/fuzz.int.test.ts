/**
 * Seeded fuzzing of the edge's whole front door with its real neighbours: a real cloud (cloud-graph on its own
 * PostgreSQL database) and the real inference service. Thousands of hostile REST requests on every route the
 * edge serves (and ones it does not), and generated GraphQL operations on the federated /graphql and the edge
 * subgraph. No answer may be a 5xx, a 4xx always says why, GraphQL errors carry a code, and the gateway keeps
 * answering. `FUZZ_SEED` / `FUZZ_CASES` reproduce or widen a run.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  graphqlAnswerFault,
  graphqlFuzzer,
  restAnswerFault,
  restFuzzer,
  sendRaw,
  startCloudForTests,
  tinyJpeg,
  tinyPng,
  type TestCloud,
} from '@intellioptics/cloud-graph/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/child';
import { startGateway, type Harness } from './support/harness';
import { ServiceChild } from './support/real-services';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const ROOT = join(import.meta.dirname, '..', '..', '..');

let cloud: TestCloud;
let inference: ServiceChild;
let edge: Harness;
let detectorId = '';
let iqId = '';

beforeAll(async () => {
  cloud = await startCloudForTests();
  detectorId = (await cloud.services.detectors.create({ name: 'edge-fuzz', query: 'Fuzz?' })).id;
  const ioHome = await mkdtemp(join(tmpdir(), 'edge-fuzz-'));
  const [port, healthPort] = [await freePort(), await freePort()];
  inference = new ServiceChild(
    'inference',
    'apps/inference/src/main.ts',
    {
      IO_HOME: ioHome,
      INFERENCE_HOST: '127.0.0.1',
      INFERENCE_PORT: String(port),
      INFERENCE_HEALTH_PORT: String(healthPort),
    },
    `http://127.0.0.1:${healthPort}/health/live`,
  );
  await inference.start();
  edge = await startGateway({
    cloudUrl: cloud.url,
    inferenceUrl: `http://127.0.0.1:${port}`,
    token: cloud.tokens.hub,
    ioHome,
    env: { CLOUD_TIMEOUT_MS: '3000' },
    configYaml: [
      'global_config: { refresh_rate: 60, confident_audit_rate: 0 }',
      'detectors:',
      `  - { detector_id: ${detectorId}, edge_inference_config: default }`,
    ].join('\n'),
  });
  const first = await sendRaw(edge.url, {
    method: 'POST',
    path: `/device-api/v1/image-queries?detector_id=${detectorId}&want_async=true`,
    token: cloud.tokens.admin,
    body: tinyJpeg(),
    type: 'image/jpeg',
  });
  expect(first.status).toBe(200);
  iqId = (JSON.parse(first.text) as { id: string }).id;
}, 300_000);

afterAll(async () => {
  await edge?.gateway.close();
  await inference?.stop();
  await cloud?.close();
}, 60_000);

const tokens = () => [cloud.tokens.admin, cloud.tokens.reviewer, cloud.tokens.hub, undefined, 'io_garbage'];

describe('edge fuzzing', () => {
  it(`answers ${CASES} malformed REST requests (seed ${SEED}) with no 5xx and stays up`, async () => {
    const requests = restFuzzer({
      seed: SEED,
      ids: [detectorId, iqId],
      tokens: tokens(),
      images: { jpeg: tinyJpeg(), png: tinyPng() },
      params: [
        'detector_id',
        'page',
        'page_size',
        'name',
        'patience_time',
        'confidence_threshold',
        'human_review',
        'want_async',
        'inspection_id',
        'metadata',
        'image_query_id',
      ],
      templates: [
        '/device-api/v1/image-queries',
        '/v1/image-queries',
        '/v1/image-queries/:x',
        '/device-api/v1/image-queries/:x/image',
        '/v1/detectors',
        '/device-api/v1/detectors/:x',
        '/v1/me',
        '/v1/labels',
        '/edge-config',
        '/edge-detector-readiness',
        '/health',
        '/health/live',
        '/health/ready',
        '/ping',
        '/metrics',
        '/:x',
        '/v1/:x/:x',
      ],
      jsonBodies: () => [
        { global_config: { refresh_rate: 'x' } },
        { detectors: [{ detector_id: detectorId, edge_inference_config: 'nope' }] },
        { image_query_id: iqId, label: 'YES' },
      ],
    });
    const failures: string[] = [];
    let answered = 0;
    for (let i = 0; i < CASES; i++) {
      const c = requests.next();
      // Keep the edge's configuration: a valid PUT by the admin would only change what later cases reach.
      if (c.method === 'PUT' && c.path.startsWith('/edge-config')) c.method = 'GET';
      const res = await sendRaw(edge.url, c);
      const fault = restAnswerFault(c, res);
      if (fault) failures.push(fault);
      if (res.status < 300) answered++;
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The generator gets past the front door, not only into refusals: some requests are served.
    expect(answered).toBeGreaterThan(CASES / 20);
    expect((await sendRaw(edge.url, { method: 'GET', path: '/health/live' })).status).toBe(200);
  }, 600_000);

  it('answers generated GraphQL operations on /graphql and the edge subgraph with no 5xx', async () => {
    const cloudSdl = await readFile(join(ROOT, 'libs/schema/generated/cloud-graph.graphql'), 'utf8');
    const edgeSdl = await readFile(join(ROOT, 'apps/edge-gateway/schema/edge-gateway.graphql'), 'utf8');
    const ids = [detectorId, iqId];
    const targets = [
      { path: '/graphql', docs: graphqlFuzzer(cloudSdl, SEED, ids) },
      { path: '/graphql/edge', docs: graphqlFuzzer(edgeSdl, SEED + 1, ids) },
    ];
    const failures: string[] = [];
    const all = tokens();
    for (let i = 0; i < CASES / 2; i++) {
      const target = targets[i % targets.length]!;
      const doc = target.docs.next();
      const res = await sendRaw(edge.url, {
        method: 'POST',
        path: target.path,
        token: all[i % all.length],
        type: 'application/json',
        body: Buffer.from(JSON.stringify({ query: doc })),
      });
      const fault = graphqlAnswerFault(doc, res);
      if (fault) failures.push(fault);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect((await sendRaw(edge.url, { method: 'GET', path: '/health/live' })).status).toBe(200);
  }, 600_000);
});
