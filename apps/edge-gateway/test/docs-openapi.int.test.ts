/**
 * `/openapi.json` and `/docs` on a real edge and a real cloud (cloud-graph on PostgreSQL, a child process):
 * a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator), a token needed to read it,
 * every documented operation served (answered by a handler, never a routing 404/405), and the request id
 * echoed on every answer.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Harness } from './support/harness';
import type { ServiceChild } from './support/real-services';
import { cloudChild, createDatabase } from './support/real-services';

const ADMIN = 'io_admin_docs_openapi_test_token_00001';

let db: { url: string; drop: () => void };
let cloud: ServiceChild;
let cloudUrl = '';
let edge: Harness;

type Doc = { openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>> };

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'docs-openapi-'));
  db = createDatabase();
  ({ child: cloud, url: cloudUrl } = await cloudChild({
    databaseUrl: db.url,
    work,
    adminToken: ADMIN,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
  }));
  await cloud.start();
  edge = await startGateway({
    cloudUrl,
    inferenceUrl: 'http://127.0.0.1:9',
    token: ADMIN,
    ioHome: join(work, 'edge-home'),
    configYaml: 'global_config: { refresh_rate: 60, confident_audit_rate: 0 }\n',
  });
}, 300_000);

afterAll(async () => {
  await edge?.gateway.close();
  await cloud?.stop();
  db?.drop();
}, 60_000);

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'det_docsopenapi0000000000000000000');

describe.each([
  [
    'edge',
    () => edge.url,
    ['/device-api/v1/image-queries', '/v1/detectors/{id}', '/edge-config', '/health/ready'],
  ],
  [
    'cloud',
    () => cloudUrl,
    ['/device-api/v1/image-queries', '/device-api/v1/detectors/{id}', '/device-api/v1/labels'],
  ],
] as const)('the %s', (_name, base, expected) => {
  it('serves /openapi.json only with a token, and it is valid OpenAPI 3.1', async () => {
    const anonymous = await fetch(`${base()}/openapi.json`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { detail: string }).detail).toBeTruthy();

    const res = await fetch(`${base()}/openapi.json`, { headers: { 'x-api-token': ADMIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const path of expected) expect(Object.keys(doc.paths)).toContain(path);
  });

  it('serves every documented operation (a handler answers, not the router)', async () => {
    const doc = (await (
      await fetch(`${base()}/openapi.json`, { headers: { 'x-api-token': ADMIN } })
    ).json()) as Doc;
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    expect(operations.length).toBeGreaterThan(10);
    const refused: string[] = [];
    for (const { path, method, op } of operations) {
      if (method === 'OPTIONS') continue;
      // Without a token: a protected route refuses the caller (401, or 403 for a blob without its signature)
      // before it reads a body or changes anything; a route that did not exist would be a routing 404/405
      // (or, at the edge, a forward to the cloud).
      const res = await fetch(`${base()}${concrete(path)}`, { method });
      await res.arrayBuffer();
      const publicRoute = op.security?.length === 0;
      if (publicRoute ? [404, 405].includes(res.status) : ![401, 403].includes(res.status))
        refused.push(`${method} ${path} → ${res.status}`);
    }
    expect(refused).toEqual([]);
  });

  it('serves /docs as a self-contained HTML page listing the operations', async () => {
    const res = await fetch(`${base()}/docs`, { headers: { 'x-api-token': ADMIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    for (const path of expected) expect(html).toContain(path);
    expect(html).not.toMatch(/<script|src="https?:/);
    expect((await fetch(`${base()}/docs`)).status).toBe(401);
  });

  it('echoes a well-formed x-request-id and makes one for a malformed one', async () => {
    const kept = await fetch(`${base()}/health/live`, { headers: { 'x-request-id': 'docs-test-1' } });
    expect(kept.headers.get('x-request-id')).toBe('docs-test-1');
    const made = await fetch(`${base()}/openapi.json`, { headers: { 'x-request-id': 'no spaces allowed' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the request log of a real service (the cloud child, LOG_FORMAT=json)', () => {
  it('writes one JSON line per request with its id, method, redacted path, status and ms; no token', async () => {
    const res = await fetch(`${cloudUrl}/openapi.json?token=sekret-in-query&x=1`, {
      headers: { 'x-request-id': 'log-line-1', 'x-api-token': ADMIN },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const line = await waitFor(
      () =>
        cloud
          .output()
          .split('\n')
          .filter((l) => l.includes('"log-line-1"'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)[0],
      10_000,
      'the request line',
    );
    expect(line).toMatchObject({
      service: 'cloud-graph',
      requestId: 'log-line-1',
      method: 'GET',
      path: '/openapi.json?token=[redacted]&x=1',
      status: 200,
    });
    expect(typeof line.ms).toBe('number');
    expect(cloud.output()).not.toContain('sekret-in-query');
    expect(cloud.output()).not.toContain(ADMIN);
  });
});
