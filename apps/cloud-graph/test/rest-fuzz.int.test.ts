/**
 * Seeded fuzzing of every REST route (and /graphql) on the real server and PostgreSQL: thousands of requests
 * with malformed percent-encoding, NULs, odd ids and parameters, random bodies, every method and role. No
 * answer may be a 5xx (a client's mistake is always a 4xx with a detail), and the server keeps answering.
 * `FUZZ_SEED` / `FUZZ_CASES` reproduce or widen a run.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '@intellioptics/schema';
import { startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg, tinyPng } from './support/images';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);

let t: TestCloud;
let detectorId: string;
let iqId: string;

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

interface Case {
  method: string;
  path: string;
  token?: string | undefined;
  body?: Buffer | undefined;
  type?: string | undefined;
}

/** A raw request: the path goes out exactly as generated (fetch would normalise it). */
function send(c: Case): Promise<{ status: number; text: string }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: c.path,
        headers: {
          ...(c.token ? { 'x-api-token': c.token } : {}),
          ...(c.type ? { 'content-type': c.type } : {}),
          ...(c.body ? { 'content-length': String(c.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

/** mulberry32: small, seeded, good enough to pick cases. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

const r = rng(SEED);
const ascii = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(r.next() * 94)))
    .join('')
    .replace(/[#?/ ]/g, '_');
const segment = (): string =>
  r.pick([
    () => detectorId,
    () => iqId,
    () => 'det_doesnotexist',
    () => 'iq_',
    () => '%',
    () => '%E0%A4%A',
    () => '%00',
    () => `det_%00${ascii(3)}`,
    () => '..',
    () => '%2F..%2F',
    () => encodeURIComponent('Prüfung 😀'),
    () => 'x'.repeat(3000),
    () => ascii(1 + Math.floor(r.next() * 40)),
    () => '',
  ])();
const value = (): string =>
  r.pick([
    segment,
    () => r.pick(['1', '0', '-1', '1e309', 'NaN', 'True', 'false', '0.5', '2', '999999999999']),
    () => r.pick(['DEFAULT', 'ALWAYS', 'NEVER', 'BINARY']),
    () => encodeMetadata({ k: ascii(5) }),
    () => encodeMetadata({ k: 'a\u0000' }),
    () => 'not-base64!!',
  ])();
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
  ascii(4),
];
const query = () => {
  const n = Math.floor(r.next() * 4);
  if (n === 0) return '';
  const parts = Array.from({ length: n }, () => `${r.pick(PARAMS)}=${value()}`);
  return `?${parts.join('&')}${r.next() < 0.1 ? '%' : ''}`;
};
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
const body = (): { body?: Buffer; type?: string } =>
  r.pick([
    () => ({}),
    () => ({ body: tinyJpeg(), type: 'image/jpeg' }),
    () => ({ body: tinyPng().subarray(0, 30), type: 'image/png' }),
    () => ({ body: Buffer.from(ascii(50)), type: r.pick(['text/plain', 'application/json', 'image/jpeg']) }),
    () => ({ body: Buffer.from('{"name": "x", "query": '), type: 'application/json' }),
    () => ({
      body: Buffer.from(
        r.pick([`content=${ascii(6)}&is_pinned=${value()}`, `name=${value()}`, '%', 'a=%00']),
      ),
      type: 'application/x-www-form-urlencoded',
    }),
    () => ({
      body: Buffer.from(
        r.pick([
          `--B\r\nContent-Disposition: form-data; name="content"\r\n\r\n${ascii(5)}\r\n--B--\r\n`,
          `--B\r\nContent-Disposition: form-data; name="image"; filename="x"\r\n\r\n${ascii(5)}\r\n--B--`,
          `--B\r\nno header end`,
          `--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--`,
          ascii(30),
        ]),
      ),
      type: r.pick(['multipart/form-data; boundary=B', 'multipart/form-data']),
    }),
    () => ({
      body: Buffer.from(
        JSON.stringify(
          r.pick([
            {
              name: ascii(8),
              query: 'q?',
              mode: r.pick(['BINARY', 'COUNT', 'NOPE']),
              confidence_threshold: r.pick([0.5, 2, 'x']),
            },
            { image_query_id: iqId, label: r.pick(['YES', 'NO', '3', 'a\u0000', 7]) },
            { query: '{ me { name } }' },
            { content: r.pick([ascii(10), 7, null, 'a\u0000']), is_pinned: r.pick([true, 'yes', null]) },
            { name: r.pick([ascii(5), '', 'x'.repeat(200), 3]) },
            { cpu: r.next(), detectors: { [segment()]: { p50: r.next() } } },
            { query: `{ detector(id: "${segment()}") { id } }` },
            [1, 2, 3],
            null,
          ]),
        ),
      ),
      type: 'application/json',
    }),
  ])();

describe('REST fuzzing', () => {
  it(`answers ${CASES} malformed requests (seed ${SEED}) with no 5xx and stays up`, async () => {
    const failures: string[] = [];
    const tokens = [t.tokens.admin, t.tokens.reviewer, t.tokens.hub, undefined, 'io_garbage'];
    for (let i = 0; i < CASES; i++) {
      const path = r.pick(TEMPLATES).replace(/:x/g, segment) + query();
      const c: Case = {
        method: r.pick(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT']),
        path,
        token: r.pick(tokens),
        ...body(),
      };
      // Keep the shared fixtures: a DELETE of them would only make later cases less interesting.
      if (c.method === 'DELETE' && (path.includes(detectorId) || path.includes(iqId))) c.method = 'GET';
      const res = await send(c);
      if (res.status >= 500)
        failures.push(`${res.status} ${c.method} ${c.path.slice(0, 200)} → ${res.text.slice(0, 200)}`);
      else if (res.status >= 400 && c.method !== 'HEAD' && !/"detail"|"errors"/.test(res.text))
        failures.push(
          `${res.status} without a detail: ${c.method} ${c.path.slice(0, 200)} → ${res.text.slice(0, 100)}`,
        );
    }
    expect(failures).toEqual([]);
    expect((await send({ method: 'GET', path: '/health/ready' })).status).toBe(200);
  });
});
