/**
 * Seeded fuzzing of every REST route (and /graphql) on the real server and PostgreSQL: thousands of requests
 * with malformed percent-encoding, NULs, odd ids and parameters, random bodies (JSON, forms, multipart), every
 * method and role. No answer may be a 5xx (a client's mistake is always a 4xx with a detail), and the server
 * keeps answering. `FUZZ_SEED` / `FUZZ_CASES` reproduce or widen a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restAnswerFault, restFuzzer, sendRaw, type FuzzRequest } from './support/fuzz';
import { tinyJpeg, tinyPng } from './support/images';
import { startCloudForTests, type TestCloud } from './support/test-cloud';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);

let t: TestCloud;
let detectorId: string;
let iqId: string;
const send = (c: FuzzRequest) => sendRaw(t.url, c);

beforeAll(async () => {
  t = await startCloudForTests();
  detectorId = (await t.services.detectors.create({ name: 'fuzz', query: 'Fuzz?' })).id;
  const res = await send({
    method: 'POST',
    path: `/v1/image-queries?detector_id=${detectorId}`,
    token: t.tokens.admin,
    body: tinyJpeg(),
    type: 'image/jpeg',
  });
  iqId = (JSON.parse(res.text) as { id: string }).id;
});
afterAll(async () => {
  await t?.close();
});

const PARAMS = [
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
  'exp',
  'sig',
];
const TEMPLATES = [
  '/v1/me',
  '/device-api/v1/me',
  '/v1/api-tokens/by-snippet/:x',
  '/v1/detectors',
  '/v1/detectors/:x',
  '/device-api/v1/detectors/:x',
  '/v1/image-queries',
  '/v1/image-queries/:x',
  '/v1/image-queries/:x/image',
  '/v1/labels',
  '/edge-api/v1/fetch-model-urls/:x/',
  '/device-api/v1/edge/fetch-model-urls/:x/',
  '/blobs/:x',
  '/blobs/images/:x/:x',
  '/v1/detector-reset/:x',
  '/v1/detectors/:x/metrics',
  '/v1/detectors/:x/evaluation',
  '/device-api/v1/detectors/:x/metrics',
  '/v1/notes',
  '/device-api/v1/notes',
  '/v1/detector-groups',
  '/v1/month-to-date-account-info',
  '/v1/edge/report-metrics',
  '/health/live',
  '/health/ready',
  '/ping',
  '/metrics',
  '/graphql',
  '/:x',
  '/v1/:x/:x',
];

describe('REST fuzzing', () => {
  it(`answers ${CASES} malformed requests (seed ${SEED}) with no 5xx and stays up`, async () => {
    const requests = restFuzzer({
      seed: SEED,
      templates: TEMPLATES,
      ids: [detectorId, iqId],
      tokens: [t.tokens.admin, t.tokens.reviewer, t.tokens.hub, undefined, 'io_garbage'],
      params: PARAMS,
      images: { jpeg: tinyJpeg(), png: tinyPng() },
      jsonBodies: ({ random: r, segment, value }) => [
        {
          name: r.ascii(8),
          query: 'q?',
          mode: r.pick(['BINARY', 'COUNT', 'NOPE']),
          confidence_threshold: r.pick([0.5, 2, 'x']),
        },
        { image_query_id: iqId, label: r.pick(['YES', 'NO', '3', 'a\u0000', 7]) },
        { content: r.pick([r.ascii(10), 7, null, 'a\u0000']), is_pinned: r.pick([true, 'yes', null]) },
        { name: r.pick([r.ascii(5), '', 'x'.repeat(200), 3]) },
        { cpu: r.next(), detectors: { [segment()]: { p50: r.next() } }, note: value() },
      ],
      rawBodies: ({ random: r, value }) => [
        {
          body: Buffer.from(
            r.pick([`content=${r.ascii(6)}&is_pinned=${value()}`, `name=${value()}`, '%', 'a=%00']),
          ),
          type: 'application/x-www-form-urlencoded',
        },
        {
          body: Buffer.from(
            r.pick([
              `--B\r\nContent-Disposition: form-data; name="content"\r\n\r\n${r.ascii(5)}\r\n--B--\r\n`,
              `--B\r\nContent-Disposition: form-data; name="image"; filename="x"\r\n\r\n${r.ascii(5)}\r\n--B--`,
              `--B\r\nno header end`,
              `--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--`,
              r.ascii(30),
            ]),
          ),
          type: r.pick(['multipart/form-data; boundary=B', 'multipart/form-data']),
        },
      ],
    });
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const c = requests.next();
      // Keep the shared fixtures: a DELETE of them would only make later cases less interesting.
      if (c.method === 'DELETE' && (c.path.includes(detectorId) || c.path.includes(iqId))) c.method = 'GET';
      const fault = restAnswerFault(c, await send(c));
      if (fault) failures.push(fault);
    }
    expect(failures).toEqual([]);
    expect((await send({ method: 'GET', path: '/health/ready' })).status).toBe(200);
  });
});
