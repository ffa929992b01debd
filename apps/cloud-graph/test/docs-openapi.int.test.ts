/**
 * The cloud's API docs with API_DOCS_PUBLIC=true (read when the routes are registered): /openapi.json and
 * /docs answer without a token, and the document's operations are the REST routes the cloud serves, a
 * detector route answering through the documented path.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDocsArePublic } from '../src/http/api-docs.route';
import { ADMIN_TOKEN, api, startCloudForTests, type TestCloud } from './support/test-cloud';

let t: TestCloud;
beforeAll(async () => {
  process.env.API_DOCS_PUBLIC = 'true';
  t = await startCloudForTests();
});
afterAll(async () => {
  delete process.env.API_DOCS_PUBLIC;
  await t?.close();
});

describe('apiDocsArePublic', () => {
  it.each([
    [{}, false],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'development' }, true],
    [{ API_DOCS_PUBLIC: 'true' }, true],
    [{ API_DOCS_PUBLIC: 'false', NODE_ENV: 'development' }, false],
  ])('%o → %s', (env, want) => {
    expect(apiDocsArePublic(env)).toBe(want);
  });
});

describe('the cloud docs with API_DOCS_PUBLIC=true', () => {
  it('serve a valid document and the page without a token', async () => {
    const call = api(t.url);
    const doc = await call('/openapi.json');
    expect(doc.status).toBe(200);
    const result = await new Validator().validate(doc.json as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect((await call('/docs')).text).toContain('/device-api/v1/detectors/{id}');
  });

  it('document a route that answers as documented (create, then read a detector)', async () => {
    const call = api(t.url);
    const { json: doc } = await call('/openapi.json');
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    expect(Object.keys(paths['/device-api/v1/detectors']!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths['/device-api/v1/detectors']!.post!.responses)).toContain('201');
    const made = await call('/device-api/v1/detectors', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'docs-d1', query: 'Is it documented?' }),
    });
    expect(made.status).toBe(201);
    const got = await call(`/device-api/v1/detectors/${made.json.id as string}`, { token: ADMIN_TOKEN });
    expect(got.status).toBe(200);
    expect(got.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
