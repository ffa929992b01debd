/**
 * Every route and GraphQL operation: no token → 401, a wrong token → 401, each role that may not → 403,
 * each role that may → neither. Plus the open routes, the bootstrap admin and hub self-only rules.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient } from 'graphql-ws';
import { parseSubmitImageQuery } from '@intellioptics/schema';
import { ADMIN_TOKEN, api, gql, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';

type Role = 'admin' | 'reviewer' | 'hub';
const ALL: Role[] = ['admin', 'reviewer', 'hub'];

let t: TestCloud;
let detectorId: string;
let iqId: string;

beforeAll(async () => {
  t = await startCloudForTests();
  const d = await t.services.detectors.create({ name: 'auth det', query: 'q?' });
  detectorId = d.id;
  const { iq } = await t.services.imageQueries.submit(
    { kind: 'hub', id: t.hubId, name: 'test-hub', detectors: 'all' },
    parseSubmitImageQuery({
      query: new URLSearchParams({ detector_id: d.id }),
      contentType: 'image/jpeg',
      body: tinyJpeg(),
    }),
  );
  iqId = iq.id;
});
afterAll(async () => {
  await t?.close();
});

interface RestCase {
  method: string;
  path: () => string;
  allowed: Role[];
  body?: () => Buffer | string;
  type?: string;
}

const P = '/device-api/v1';
const REST: RestCase[] = [
  { method: 'GET', path: () => `${P}/me`, allowed: ALL },
  { method: 'GET', path: () => `/v1/me`, allowed: ALL },
  { method: 'GET', path: () => `${P}/api-tokens/by-snippet/abc`, allowed: ALL },
  { method: 'GET', path: () => `${P}/detectors`, allowed: ALL },
  {
    method: 'POST',
    path: () => `${P}/detectors`,
    allowed: ['admin'],
    body: () => JSON.stringify({ name: `auth-${Math.random()}`, query: 'q?' }),
    type: 'application/json',
  },
  { method: 'GET', path: () => `${P}/detectors/${detectorId}`, allowed: ALL },
  {
    method: 'PATCH',
    path: () => `${P}/detectors/${detectorId}`,
    allowed: ['admin'],
    body: () => JSON.stringify({ confidence_threshold: 0.8 }),
    type: 'application/json',
  },
  { method: 'DELETE', path: () => `${P}/detectors/det_000000000000000000000000000`, allowed: ['admin'] },
  {
    method: 'POST',
    path: () => `${P}/image-queries?detector_id=${detectorId}`,
    allowed: ['admin', 'hub'],
    body: () => tinyJpeg(),
    type: 'image/jpeg',
  },
  { method: 'GET', path: () => `${P}/image-queries`, allowed: ['admin', 'reviewer'] },
  { method: 'GET', path: () => `${P}/image-queries/${iqId}`, allowed: ALL },
  { method: 'GET', path: () => `${P}/image-queries/${iqId}/image`, allowed: ALL },
  {
    method: 'POST',
    path: () => `${P}/labels`,
    allowed: ['admin', 'reviewer'],
    body: () => JSON.stringify({ label: 'YES', image_query_id: iqId }),
    type: 'application/json',
  },
  { method: 'GET', path: () => `/edge-api/v1/fetch-model-urls/${detectorId}/`, allowed: ['admin', 'hub'] },
  { method: 'GET', path: () => `${P}/edge/fetch-model-urls/${detectorId}/`, allowed: ['admin', 'hub'] },
];

describe('REST authorisation', () => {
  for (const c of REST) {
    it(`${c.method} ${c.path.toString().replace(/^\(\) => `?|`$/g, '')}`, async () => {
      const call = api(t.url);
      const send = (token: string | null) =>
        call(c.path(), {
          method: c.method,
          token,
          headers: c.type ? { 'content-type': c.type } : {},
          body: c.body?.() ?? null,
        });
      const none = await send(null);
      expect(none.status).toBe(401);
      expect(none.json).toMatchObject({ code: 'UNAUTHENTICATED' });
      const wrong = await send('io_thisTokenDoesNotExist0000000000000000000');
      expect(wrong.status).toBe(401);
      for (const role of ALL) {
        const res = await send(t.tokens[role]);
        if (c.allowed.includes(role)) {
          expect([401, 403], `${role} should be allowed`).not.toContain(res.status);
        } else {
          expect(res.status, `${role} should be forbidden`).toBe(403);
          expect(res.json.code).toBe('FORBIDDEN');
        }
      }
    });
  }

  it('leaves health, ping, metrics and signed blob URLs open', async () => {
    for (const path of ['/health/live', '/health/ready', '/ping', '/metrics']) {
      expect((await fetch(`${t.url}${path}`)).status).toBe(200);
    }
    const key = (await t.services.imageQueries.get(iqId)).imageKey;
    expect((await fetch(await t.deps.blobs.signedUrl(key, 60))).status).toBe(200);
    expect((await fetch(`${t.url}/blobs/${key}`)).status).toBe(403);
  });
});

interface GqlCase {
  name: string;
  query: string;
  variables?: () => Record<string, unknown>;
  allowed: Role[];
}

const GQL: GqlCase[] = [
  { name: 'me', query: '{ me { id role } }', allowed: ALL },
  { name: 'detectors', query: '{ detectors { id } }', allowed: ALL },
  {
    name: 'detector',
    query: 'query($id: ID!) { detector(id: $id) { id } }',
    variables: () => ({ id: detectorId }),
    allowed: ALL,
  },
  {
    name: 'imageQuery',
    query: 'query($id: ID!) { imageQuery(id: $id) { id } }',
    variables: () => ({ id: iqId }),
    allowed: ALL,
  },
  { name: 'imageQueries', query: '{ imageQueries { edges { cursor } } }', allowed: ['admin', 'reviewer'] },
  { name: 'reviewQueue', query: '{ reviewQueue { edges { cursor } } }', allowed: ['admin', 'reviewer'] },
  { name: 'escalation', query: '{ escalation(id: "esc_x") { id } }', allowed: ['admin', 'reviewer'] },
  { name: 'hubs', query: '{ hubs { id } }', allowed: ALL },
  { name: 'modelVersions', query: '{ modelVersions { id } }', allowed: ALL },
  { name: 'users', query: '{ users { id } }', allowed: ['admin'] },
  {
    name: 'createDetector',
    query: 'mutation($n: String!) { createDetector(input: { name: $n, query: "q?" }) { ok } }',
    variables: () => ({ n: `g-${Math.random()}` }),
    allowed: ['admin'],
  },
  {
    name: 'updateDetector',
    query: 'mutation($id: ID!) { updateDetector(id: $id, input: { confidenceThreshold: 0.85 }) { ok } }',
    variables: () => ({ id: detectorId }),
    allowed: ['admin'],
  },
  { name: 'deleteDetector', query: 'mutation { deleteDetector(id: "det_x") { ok } }', allowed: ['admin'] },
  {
    name: 'labelImageQuery',
    query: 'mutation($id: ID!) { labelImageQuery(input: { imageQueryId: $id, label: "NO" }) { ok } }',
    variables: () => ({ id: iqId }),
    allowed: ['admin', 'reviewer'],
  },
  {
    name: 'claimEscalation',
    query: 'mutation { claimEscalation(id: "esc_x") { ok } }',
    allowed: ['admin', 'reviewer'],
  },
  {
    name: 'skipEscalation',
    query: 'mutation { skipEscalation(id: "esc_x") { ok } }',
    allowed: ['admin', 'reviewer'],
  },
  {
    name: 'releaseEscalation',
    query: 'mutation { releaseEscalation(id: "esc_x") { ok } }',
    allowed: ['admin', 'reviewer'],
  },
  {
    name: 'registerHub',
    query: 'mutation($n: String!) { registerHub(name: $n) { ok } }',
    variables: () => ({ n: `hub-${Math.random().toString(36).slice(2)}` }),
    allowed: ['admin'],
  },
  { name: 'rotateHubToken', query: 'mutation { rotateHubToken(hubId: "hub_x") { ok } }', allowed: ['admin'] },
  { name: 'createApiToken', query: 'mutation { createApiToken(name: "x") { ok } }', allowed: ['admin'] },
  {
    name: 'createUser',
    query:
      'mutation($u: String!) { createUser(input: { username: $u, email: "a@b.c", role: REVIEWER }) { ok } }',
    variables: () => ({ u: `u${Math.random().toString(36).slice(2)}` }),
    allowed: ['admin'],
  },
  {
    name: 'createModelVersion',
    query:
      'mutation($d: ID!) { createModelVersion(input: { detectorId: $d, kind: primary, packageBase64: "AAEC" }) { ok } }',
    variables: () => ({ d: detectorId }),
    allowed: ['admin'],
  },
  {
    name: 'publishModelVersion',
    query: 'mutation { publishModelVersion(id: "mv_x") { ok } }',
    allowed: ['admin'],
  },
  {
    name: 'retireModelVersion',
    query: 'mutation { retireModelVersion(id: "mv_x") { ok } }',
    allowed: ['admin'],
  },
  {
    name: 'hubHeartbeat',
    query: 'mutation { hubHeartbeat(input: { servedDetectors: [] }) { ok } }',
    allowed: ['hub'],
  },
];

describe('GraphQL authorisation (HTTP)', () => {
  for (const c of GQL) {
    it(c.name, async () => {
      const q = gql(t.url);
      const none = await q(c.query, c.variables?.() ?? {}, null);
      expect(none.status).toBe(401);
      expect(none.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const wrong = await q(c.query, c.variables?.() ?? {}, 'io_wrongwrongwrongwrongwrongwrong000000000');
      expect(wrong.status).toBe(401);
      for (const role of ALL) {
        const res = await q(c.query, c.variables?.() ?? {}, t.tokens[role]);
        const codes = (res.body.errors ?? []).map(
          (e: { extensions?: { code?: string } }) => e.extensions?.code,
        );
        if (c.allowed.includes(role)) {
          expect(codes, `${role} should be allowed: ${JSON.stringify(res.body.errors)}`).toEqual([]);
          expect(res.status).toBe(200);
        } else {
          expect(codes, `${role} should be forbidden`).toContain('FORBIDDEN');
          expect(res.status).toBe(403);
        }
      }
    });
  }
});

function wsClient(connectionParams: Record<string, unknown> | undefined, headers?: Record<string, string>) {
  const url = t.url.replace('http', 'ws') + '/graphql';
  return createClient({
    url,
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

function firstOutcome(
  client: ReturnType<typeof createClient>,
  query: string,
): Promise<{ kind: 'closed'; code: number } | { kind: 'error'; codes: string[] } | { kind: 'next' }> {
  return new Promise((resolve) => {
    client.on('closed', (e) => resolve({ kind: 'closed', code: (e as { code: number }).code }));
    client.subscribe(
      { query },
      {
        next: (value) =>
          resolve(
            value.errors
              ? {
                  kind: 'error',
                  codes: value.errors.map((e) =>
                    typeof e.extensions?.code === 'string' ? e.extensions.code : '',
                  ),
                }
              : { kind: 'next' },
          ),
        error: (err) =>
          resolve(
            Array.isArray(err)
              ? {
                  kind: 'error',
                  codes: err.map((e: { extensions?: { code?: string } }) => e.extensions?.code ?? ''),
                }
              : { kind: 'closed', code: (err as { code?: number }).code ?? -1 },
          ),
        complete: () => undefined,
      },
    );
  });
}

describe('GraphQL authorisation (graphql-ws)', () => {
  it('closes connections without a token or with a wrong one (4401)', async () => {
    for (const params of [undefined, { 'x-api-token': 'io_wrongwrongwrongwrongwrongwrong000000000' }]) {
      const client = wsClient(params);
      const outcome = await firstOutcome(client, 'subscription { hubStatusChanged { hubId } }');
      expect(outcome).toEqual({ kind: 'closed', code: 4401 });
      await client.dispose();
    }
  });

  it('accepts the token in connection_init or in the upgrade headers, and forbids the wrong role', async () => {
    const fromHeaders = wsClient(undefined, { 'x-api-token': t.tokens.hub });
    const outcome = await firstOutcome(fromHeaders, 'subscription { escalationCreated { escalationId } }');
    expect(outcome).toEqual({ kind: 'error', codes: ['FORBIDDEN'] });
    await fromHeaders.dispose();
    const reviewer = wsClient({ 'x-api-token': t.tokens.reviewer });
    // The reviewer may subscribe: the first event arrives once a hub sends a heartbeat.
    const allowed = firstOutcome(reviewer, 'subscription { hubStatusChanged { hubId } }');
    await new Promise((r) => setTimeout(r, 300));
    await t.services.hubs.heartbeat(t.hubId, { servedDetectors: [], counters: {} });
    expect(await allowed).toEqual({ kind: 'next' });
    await reviewer.dispose();
  }, 20_000);
});

describe('hubs act only as themselves', () => {
  it('a hub may heartbeat for itself but not name another hub, and sees only itself', async () => {
    const other = await t.services.hubs.register('other-hub');
    const q = gql(t.url);
    const own = await q(
      'mutation($id: ID) { hubHeartbeat(input: { hubId: $id, servedDetectors: [], counters: { iqs: 3 } }) { ok hub { id counters } } }',
      { id: t.hubId },
      t.tokens.hub,
    );
    expect(own.body.data.hubHeartbeat).toMatchObject({
      ok: true,
      hub: { id: t.hubId, counters: { iqs: 3 } },
    });
    const foreign = await q(
      'mutation($id: ID) { hubHeartbeat(input: { hubId: $id, servedDetectors: [] }) { ok } }',
      { id: other.hub.id },
      t.tokens.hub,
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const hubs = await q('{ hubs { id } }', {}, t.tokens.hub);
    expect(hubs.body.data.hubs).toEqual([{ id: t.hubId }]);
    const otherHub = await q('query($id: ID!) { hub(id: $id) { id } }', { id: other.hub.id }, t.tokens.hub);
    expect(otherHub.body.data.hub).toBeNull();
    const all = await q('{ hubs { id } }', {}, t.tokens.reviewer);
    const ids = (all.body.data.hubs as { id: string }[]).map((h) => h.id);
    expect(ids).toEqual(expect.arrayContaining([t.hubId, other.hub.id]));
  });

  it('a rotated hub token replaces the old one at once', async () => {
    const { hub, token } = await t.services.hubs.register('rotating-hub');
    const q = gql(t.url);
    expect((await q('{ me { id } }', {}, token)).body.data.me.id).toBe(hub.id);
    const rotated = await q(
      'mutation($id: ID!) { rotateHubToken(hubId: $id) { ok token hub { id } } }',
      { id: hub.id },
      ADMIN_TOKEN,
    );
    const fresh = rotated.body.data.rotateHubToken.token as string;
    expect(fresh).toMatch(/^hub_[A-Za-z0-9]{40}$/);
    expect((await q('{ me { id } }', {}, token)).status).toBe(401);
    expect((await q('{ me { id } }', {}, fresh)).body.data.me.id).toBe(hub.id);
  });
});

describe('bootstrap admin and API tokens', () => {
  it('IO_BOOTSTRAP_TOKEN only creates an admin while no user exists', async () => {
    expect(await t.services.auth.bootstrap('io_anotherBootstrapToken000000000000000000')).toBe(false);
    expect(
      (await api(t.url)('/device-api/v1/me', { token: 'io_anotherBootstrapToken000000000000000000' })).status,
    ).toBe(401);
  });

  it('createApiToken returns a token once; only its hash and snippet are stored', async () => {
    const q = gql(t.url);
    const res = await q('mutation { createApiToken(name: "ci") { ok token snippet user { username } } }');
    const token = res.body.data.createApiToken.token as string;
    expect(token).toMatch(/^io_[A-Za-z0-9]{40}$/);
    const me = await api(t.url)('/device-api/v1/me', { token });
    expect(me.json.username).toBe('admin');
    const rows = await t.deps.orm.em
      .fork()
      .getConnection()
      .execute('select token_hash, snippet from api_tokens');
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    expect(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex'))).toBe(true);
    expect(rows.some((r) => r.snippet === token.slice(0, 20))).toBe(true);
  });
});
