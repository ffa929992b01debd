/**
 * Who may do what at the edge, against the real gateway and the real cloud (cloud-graph on PostgreSQL): the
 * federated /graphql authorises the caller and forwards the caller's own token (never the edge's, which is
 * the admin token here as under `npm start`), refuses foreign browser origins unless allow-listed, serves no
 * GraphiQL outside development, bounds its body, checks the token before reading any body, and
 * `PUT /edge-config` needs the ADMIN role.
 */
import http from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@intellioptics/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/child';
import { startGateway, type Harness } from './support/harness';
import { ServiceChild, createDatabase, gql } from './support/real-services';

const ADMIN = 'io_admin_edge_auth_test_token_00000001';
const ALLOWED_ORIGIN = 'https://review.example.com';

let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let cloudUrl = '';
let edge: Harness;
let reviewer = '';
let hub = '';

async function edgeGraphql(
  query: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${edge.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** A raw request whose body is announced but never sent: only an answer given from the headers arrives. */
function announceBody(path: string, method: string, headers: Record<string, string>, bytes: number) {
  return new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
    const url = new URL(edge.url);
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: { ...headers, 'content-length': String(bytes) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.write(Buffer.alloc(1024));
    // The rest is never written: the answer must come without the server waiting for it.
  });
}

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'edge-auth-'));
  db = createDatabase();
  const cloudPort = await freePort();
  cloudUrl = `http://127.0.0.1:${cloudPort}`;
  cloud = new ServiceChild(
    'cloud-graph',
    'apps/cloud-graph/src/main.ts',
    {
      DATABASE_URL: db.url,
      BLOB_DIR: join(work, 'blobs'),
      BLOB_SIGNING_SECRET: 'edge-auth-signing-secret-000001',
      IO_BOOTSTRAP_TOKEN: ADMIN,
      PORT: String(cloudPort),
      HOST: '127.0.0.1',
      LEARNING_IN_PROCESS: '0',
    },
    `${cloudUrl}/health/ready`,
  );
  await cloud.start();
  const user = await gql<{ createUser: { user: { id: string } } }>(
    cloudUrl,
    ADMIN,
    `mutation { createUser(input: { username: "rita", email: "rita@example.com", role: REVIEWER }) { user { id } } }`,
  );
  const token = await gql<{ createApiToken: { token: string } }>(
    cloudUrl,
    ADMIN,
    `mutation($id: ID!) { createApiToken(name: "edge-auth", userId: $id) { token } }`,
    { id: user.createUser.user.id },
  );
  reviewer = token.createApiToken.token;
  hub = (
    await gql<{ registerHub: { token: string } }>(
      cloudUrl,
      ADMIN,
      `mutation { registerHub(name: "edge-auth") { token } }`,
    )
  ).registerHub.token;

  edge = await startGateway({
    cloudUrl,
    inferenceUrl: 'http://127.0.0.1:9',
    // The edge's own token is an admin token (the worst case, as `npm start` once configured it): it must
    // never be lent out.
    token: ADMIN,
    ioHome: join(work, 'edge-home'),
    env: { GRAPHQL_CORS_ORIGINS: ALLOWED_ORIGIN, CLOUD_TIMEOUT_MS: '3000' },
    configYaml: 'global_config: { refresh_rate: 60, confident_audit_rate: 0 }\n',
  });
}, 300_000);

afterAll(async () => {
  await edge?.gateway.close();
  await cloud?.stop();
  db?.drop();
}, 60_000);

describe('the edge /graphql', () => {
  it('answers an anonymous caller 401 and nothing else, for queries and mutations', async () => {
    for (const query of [
      '{ me { name role } }',
      'mutation { createUser(input: { username: "mallory", email: "m@example.com", role: ADMIN }) { ok } }',
    ]) {
      const r = await edgeGraphql(query, {});
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ detail: expect.any(String) as unknown, code: 'UNAUTHENTICATED' });
    }
    const bad = await edgeGraphql('{ me { name role } }', { 'x-api-token': 'not_a_token_anyone_issued_x' });
    expect(bad.status).toBe(401);
    const users = await gql<{ users: { username: string }[] }>(cloudUrl, ADMIN, '{ users { username } }');
    expect(users.users.map((u) => u.username)).not.toContain('mallory');
  });

  it('acts as the caller: a reviewer is a reviewer, a hub a hub, whatever the edge’s own token is', async () => {
    const asReviewer = await edgeGraphql('{ me { name role } }', { 'x-api-token': reviewer });
    expect(asReviewer.status).toBe(200);
    expect(asReviewer.body).toEqual({ data: { me: { name: 'rita', role: 'REVIEWER' } } });
    const asHub = await edgeGraphql('{ me { role } }', { 'x-api-token': hub });
    expect(asHub.body).toEqual({ data: { me: { role: 'HUB' } } });

    const mutation = await edgeGraphql(
      'mutation { createUser(input: { username: "rita2", email: "r2@example.com", role: ADMIN }) { ok } }',
      { 'x-api-token': reviewer },
    );
    expect(JSON.stringify(mutation.body)).toContain('FORBIDDEN');
    const users = await gql<{ users: { username: string }[] }>(cloudUrl, ADMIN, '{ users { username } }');
    expect(users.users.map((u) => u.username)).not.toContain('rita2');
  });

  it('refuses foreign browser origins and answers allow-listed ones with CORS headers', async () => {
    const foreign = await edgeGraphql('{ me { role } }', {
      'x-api-token': reviewer,
      origin: 'https://evil.example.net',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.body).not.toHaveProperty('data');

    const allowed = await edgeGraphql('{ me { role } }', { 'x-api-token': reviewer, origin: ALLOWED_ORIGIN });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');

    const preflight = (origin: string) =>
      fetch(`${edge.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-api-token',
        },
      });
    const ok = await preflight(ALLOWED_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('x-api-token');
    const refused = await preflight('https://evil.example.net');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves no GraphiQL outside development', async () => {
    for (const path of ['/graphql', '/graphql/edge']) {
      const res = await fetch(`${edge.url}${path}`, {
        headers: { accept: 'text/html', 'x-api-token': reviewer },
      });
      expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
      expect(await res.text()).not.toMatch(/graphiql/i);
    }
  });

  it('checks the token before reading a body, and bounds the body it reads', async () => {
    const anonymous = await announceBody(
      '/graphql',
      'POST',
      { 'content-type': 'application/json' },
      50_000_000,
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.connection).toBe('close');
    const upload = await announceBody(
      `/device-api/v1/image-queries?detector_id=${newId('detector')}`,
      'POST',
      { 'content-type': 'image/jpeg' },
      5_000_000,
    );
    expect(upload.status).toBe(401);

    const big = await fetch(`${edge.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-token': reviewer },
      body: JSON.stringify({ query: `{ me { role } } # ${'x'.repeat(2 * 1024 * 1024)}` }),
    });
    expect(big.status).toBe(413);
  });
});

describe('PUT /edge-config', () => {
  const put = (headers: Record<string, string>) =>
    fetch(`${edge.url}/edge-config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ global_config: { refresh_rate: 30, confident_audit_rate: 0 }, detectors: [] }),
    });

  const rows: [string, () => Record<string, string>, number][] = [
    ['anonymous', () => ({}), 401],
    ['an unknown token', () => ({ 'x-api-token': 'not_a_token_anyone_issued_x' }), 401],
    ['a reviewer', () => ({ 'x-api-token': reviewer }), 403],
    ['a hub', () => ({ 'x-api-token': hub }), 403],
    ['an admin', () => ({ 'x-api-token': ADMIN }), 200],
  ];
  it.each(rows)('%s → %d', async (_who, headers, status) => {
    const res = await put(headers());
    expect(res.status).toBe(status);
    if (status !== 200) {
      expect(((await res.json()) as { code: string }).code).toBe(
        status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      );
    }
  });
});

describe('stream URLs in PUT /edge-config', () => {
  const putStream = (url: string) => {
    const det = newId('detector');
    return fetch(`${edge.url}/edge-config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-token': ADMIN },
      body: JSON.stringify({
        global_config: { refresh_rate: 30, confident_audit_rate: 0 },
        detectors: [{ detector_id: det, edge_inference_config: 'default' }],
        streams: { cam: { url, detector_ids: [det], fps: 1 } },
      }),
    });
  };

  it.each([
    [
      'an environment variable not allow-listed (the edge’s own token)',
      'rtsp://cam.local/live?t=${EDGE_API_TOKEN}',
    ],
    ['a placeholder in the host part', 'rtsp://${CAM_USER}@${CAM_HOST}/live'],
  ])('refuses %s with a 400 naming the field', async (_what, url) => {
    const res = await putStream(url);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { code: string; errors?: { path: string }[] };
    expect(body.code).toBe('INVALID_EDGE_CONFIG');
    expect(body.errors?.map((e) => e.path)).toEqual(['streams.cam.url']);
    // The active config is unchanged.
    const active = (await (
      await fetch(`${edge.url}/edge-config`, { headers: { 'x-api-token': ADMIN } })
    ).json()) as { streams?: object };
    expect(Object.keys(active.streams ?? {})).toEqual([]);
  });
});
