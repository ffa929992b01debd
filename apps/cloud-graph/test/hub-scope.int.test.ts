/**
 * A hub sees and uses only the detectors an admin assigned to it (setHubDetectors): the others answer as if
 * they did not exist, over REST and GraphQL; people see everything; a hub registered without an assignment
 * sees none; null (the hubs of before, or an explicit "every detector") sees every detector. Real server, real
 * PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';

let t: TestCloud;
let a: string;
let b: string;
let iqOnB: string;

const SET =
  'mutation($h: ID!, $d: [ID!]) { setHubDetectors(hubId: $h, detectorIds: $d) { ok error { code } hub { assignedDetectorIds } } }';

beforeAll(async () => {
  t = await startCloudForTests();
  a = (await t.services.detectors.create({ name: 'scope-a', query: 'A?' })).id;
  b = (await t.services.detectors.create({ name: 'scope-b', query: 'B?' })).id;
  iqOnB = ((await submit(b, t.tokens.admin)).json as { id: string }).id;
});
afterAll(async () => {
  await t?.close();
});

function submit(detectorId: string, token: string) {
  return api(t.url)(`/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    token,
    headers: { 'content-type': 'image/jpeg' },
    body: tinyJpeg(),
  });
}

const hubGet = (path: string) => api(t.url)(path, { token: t.tokens.hub });

describe('hub detector scope', () => {
  it('sees no detector when registered without an assignment, every one with an explicit null', async () => {
    const register = async (args: string) => {
      const r = await gql(t.url)(
        `mutation { registerHub(name: "birth-${args.length}"${args}) { ok token hub { assignedDetectorIds } } }`,
      );
      return r.body.data.registerHub as {
        ok: boolean;
        token: string;
        hub: { assignedDetectorIds: string[] | null };
      };
    };
    const bare = await register('');
    expect(bare).toMatchObject({ ok: true, hub: { assignedDetectorIds: [] } });
    const asBare = (path: string) => api(t.url)(path, { token: bare.token });
    expect((await asBare('/v1/detectors')).json.count).toBe(0);
    expect(await asBare(`/v1/detectors/${a}`)).toMatchObject({
      status: 404,
      json: { code: 'DETECTOR_NOT_FOUND' },
    });
    expect((await submit(a, bare.token)).status).toBe(404);
    expect((await asBare(`/edge-api/v1/fetch-model-urls/${a}/`)).status).toBe(404);
    const graph = await gql(t.url)('{ detectors { id } }', {}, bare.token);
    expect(graph.body.data).toEqual({ detectors: [] });

    const every = await register(', detectorIds: null');
    expect(every).toMatchObject({ ok: true, hub: { assignedDetectorIds: null } });
    expect((await api(t.url)('/v1/detectors', { token: every.token })).json.count).toBe(2);
  });

  it('sees every detector while its assignment is null, until an admin assigns some', async () => {
    expect((await hubGet('/v1/detectors')).json.count).toBe(2);
    const set = await gql(t.url)(SET, { h: t.hubId, d: [a] });
    expect(set.body.data.setHubDetectors).toEqual({
      ok: true,
      error: null,
      hub: { assignedDetectorIds: [a] },
    });
  });

  it('lists, reads and submits only to its detectors; the others are not found', async () => {
    const list = await hubGet('/v1/detectors');
    expect(list.json.count).toBe(1);
    expect((list.json.results as { id: string }[]).map((d) => d.id)).toEqual([a]);
    expect((await hubGet(`/v1/detectors/${a}`)).status).toBe(200);
    expect(await hubGet(`/v1/detectors/${b}`)).toMatchObject({
      status: 404,
      json: { code: 'DETECTOR_NOT_FOUND' },
    });
    expect(await submit(b, t.tokens.hub)).toMatchObject({
      status: 404,
      json: { code: 'DETECTOR_NOT_FOUND' },
    });
    expect((await submit(a, t.tokens.hub)).status).toBe(201);
    expect((await hubGet(`/v1/image-queries/${iqOnB}`)).status).toBe(404);
    expect((await hubGet(`/v1/image-queries/${iqOnB}/image`)).status).toBe(404);
    expect((await hubGet(`/edge-api/v1/fetch-model-urls/${b}/`)).status).toBe(404);
    expect((await hubGet(`/edge-api/v1/fetch-model-urls/${a}/`)).status).toBe(200);
  });

  it('sees the same scope over GraphQL', async () => {
    const res = await gql(t.url)(
      'query($b: ID!, $iq: ID!) { detectors { id } detector(id: $b) { id } imageQuery(id: $iq) { id } }',
      { b, iq: iqOnB },
      t.tokens.hub,
    );
    expect(res.body.data).toEqual({ detectors: [{ id: a }], detector: null, imageQuery: null });
  });

  it('leaves people unscoped', async () => {
    expect((await api(t.url)('/v1/detectors', { token: t.tokens.reviewer })).json.count).toBe(2);
    expect((await api(t.url)(`/v1/image-queries/${iqOnB}`, { token: t.tokens.reviewer })).status).toBe(200);
  });

  it('is set by admins only, to detectors that exist; null gives every detector back', async () => {
    const byReviewer = await gql(t.url)(SET, { h: t.hubId, d: [b] }, t.tokens.reviewer);
    expect(byReviewer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await gql(t.url)(SET, { h: t.hubId, d: [a, 'det_nope'] });
    expect(unknown.body.data.setHubDetectors).toMatchObject({
      ok: false,
      error: { code: 'DETECTOR_NOT_FOUND' },
    });
    expect((await hubGet('/v1/detectors')).json.count).toBe(1);
    await gql(t.url)(SET, { h: t.hubId, d: null });
    expect((await hubGet('/v1/detectors')).json.count).toBe(2);
    expect((await submit(b, t.tokens.hub)).status).toBe(201);
  });

  it('can be given at registration', async () => {
    const reg = await gql(t.url)(
      'mutation($d: [ID!]) { registerHub(name: "scoped-at-birth", detectorIds: $d) { ok token hub { assignedDetectorIds } } }',
      { d: [b] },
    );
    expect(reg.body.data.registerHub).toMatchObject({ ok: true, hub: { assignedDetectorIds: [b] } });
    const list = await api(t.url)('/v1/detectors', { token: reg.body.data.registerHub.token as string });
    expect(list.json.count).toBe(1);
    const bad = await gql(t.url)(
      'mutation { registerHub(name: "nope", detectorIds: ["det_nope"]) { ok error { code } } }',
    );
    expect(bad.body.data.registerHub).toMatchObject({ ok: false, error: { code: 'DETECTOR_NOT_FOUND' } });
    expect((await t.services.hubs.list()).some((h) => h.name === 'nope')).toBe(false);
  });

  it('keys idempotent retries on the submitter: another caller reusing an id gets 409, not the query', async () => {
    const id = 'iq_idempotency01';
    const first = await api(t.url)(`/v1/image-queries?detector_id=${a}&image_query_id=${id}`, {
      method: 'POST',
      token: t.tokens.hub,
      headers: { 'content-type': 'image/jpeg' },
      body: tinyJpeg(),
    });
    expect(first.status).toBe(201);
    const retry = await api(t.url)(`/v1/image-queries?detector_id=${a}&image_query_id=${id}`, {
      method: 'POST',
      token: t.tokens.hub,
      headers: { 'content-type': 'image/jpeg' },
      body: tinyJpeg(),
    });
    expect(retry).toMatchObject({ status: 200, json: { id } });
    const other = await api(t.url)(`/v1/image-queries?detector_id=${a}&image_query_id=${id}`, {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'image/jpeg' },
      body: tinyJpeg(),
    });
    expect(other).toMatchObject({ status: 409, json: { code: 'ALREADY_EXISTS' } });
    expect(JSON.stringify(other.json)).not.toContain('"result"');
  });
});
