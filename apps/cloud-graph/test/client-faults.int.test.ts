/**
 * A client's mistake is a 4xx {"detail", "code"}, never a 5xx, on the real server and PostgreSQL: malformed
 * percent-encoding in paths (GET and HEAD), NUL characters anywhere a value reaches the database, odd
 * inspection_id values, NUL in GraphQL variables and literals. The server keeps answering afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '@intellioptics/schema';
import { api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';

let t: TestCloud;
let detectorId: string;

beforeAll(async () => {
  t = await startCloudForTests();
  detectorId = (await t.services.detectors.create({ name: 'faults', query: 'Is it odd?' })).id;
});
afterAll(async () => {
  await t?.close();
});

/** A raw request (fetch would re-encode some of these paths). */
async function raw(method: string, path: string, body?: Buffer, type = 'image/jpeg') {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { 'x-api-token': t.tokens.admin, ...(body ? { 'content-type': type } : {}) },
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text ? (JSON.parse(text) as { detail?: string; code?: string }) : null,
  };
}

describe('no 5xx for client faults', () => {
  it.each([
    ['GET', '/v1/detectors/%E0%A4%A', 400],
    ['GET', '/device-api/v1/image-queries/%', 400],
    ['GET', '/v1/image-queries/%ZZ/image', 400],
    ['DELETE', '/v1/detectors/%E0%A4%A', 400],
    ['GET', '/v1/detectors?name=%00', 400],
    ['GET', '/v1/detectors/det_%00', 400],
    ['GET', '/v1/detectors?name=%E0%A4%A', 200],
    ['GET', '/v1/image-queries?detector_id=det_%&page=1', 200],
    ['GET', '/v1/detectors?page=%00', 400],
  ])('%s %s → %i', async (method, path, status) => {
    const res = await raw(method, path);
    expect(res.status).toBe(status);
    if (status >= 400) {
      expect(res.json?.detail).toEqual(expect.any(String));
      expect(res.json?.code).toEqual(expect.any(String));
    }
  });

  it('answers HEAD on a malformed id with a 4xx', async () => {
    for (const path of ['/v1/detectors/%E0%A4%A', '/v1/image-queries/%', '/v1/image-queries/iq_%00/image']) {
      expect((await raw('HEAD', path)).status, path).toBe(400);
    }
  });

  it.each([
    ['a NUL in detector_id', `detector_id=det_%00`, 'INVALID_PARAMETER'],
    ['a malformed escape in detector_id', `detector_id=det_x%`, 'DETECTOR_NOT_FOUND'],
    [
      'an inspection_id longer than the stored column',
      `inspection_id=${'x'.repeat(201)}`,
      'INVALID_PARAMETER',
    ],
    ['a NUL in inspection_id', 'inspection_id=a%00b', 'INVALID_PARAMETER'],
    ['a malformed escape in inspection_id', 'inspection_id=%E0%A4%A', null],
    ['a unicode inspection_id', `inspection_id=${encodeURIComponent('Prüfung 😀 #7')}`, null],
    ['an empty inspection_id', 'inspection_id=', null],
    [
      'a NUL inside the metadata JSON',
      `metadata=${encodeMetadata({ camera: 'a\u0000b' })}`,
      'INVALID_PARAMETER',
    ],
    ['a NUL in a metadata key', `metadata=${encodeMetadata({ 'k\u0000': 1 })}`, 'INVALID_PARAMETER'],
  ])('POST /v1/image-queries with %s', async (_what, extra, code) => {
    const query = extra.startsWith('detector_id=') ? extra : `detector_id=${detectorId}&${extra}`;
    const res = await raw('POST', `/v1/image-queries?${query}`, tinyJpeg());
    if (code === null) {
      expect(res.status, res.text).toBe(201);
    } else {
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.json).toMatchObject({ code, detail: expect.any(String) as unknown });
    }
  });

  it('refuses a NUL in a JSON body', async () => {
    const call = api(t.url);
    const res = await call('/v1/detectors', {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nul\u0000name', query: 'q?' }),
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('refuses a NUL in GraphQL variables and string literals', async () => {
    const graphql = gql(t.url);
    const viaVariable = await graphql(
      'mutation($input: CreateDetectorInput!) { createDetector(input: $input) { ok } }',
      { input: { name: 'x\u0000', query: 'q?' } },
    );
    expect(viaVariable.status).toBe(400);
    expect(viaVariable.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETER');
    const viaLiteral = await graphql('{ detectors(name: "a\\u0000b") { id } }');
    expect(viaLiteral.status).toBe(400);
    expect(viaLiteral.body.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMETER');
  });

  it('still answers after all of the above', async () => {
    expect((await raw('GET', `/v1/detectors/${detectorId}`)).status).toBe(200);
  });
});
