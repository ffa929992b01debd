/**
 * A real cloud-graph on port 0 against its own PostgreSQL database and a temp blob folder, with an admin,
 * a reviewer and a hub token. Optional REDIS_URL / Azure settings come through `envOverrides`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env';
import { createDeps, type Deps } from '../../src/deps';
import { buildServer, type CloudGraphServer } from '../../src/server';
import { createLogger } from '../../src/ops/logger';
import { createTestDatabase, type TestDatabase } from './test-db';

export const ADMIN_TOKEN = 'io_testadmintoken0000000000000000000000001';

export interface TestApp {
  url: string;
  app: CloudGraphServer;
  deps: Deps;
  db: TestDatabase;
  tokens: { admin: string; reviewer: string; hub: string; reviewer2: string };
  hubId: string;
  reviewerId: string;
  close(): Promise<void>;
}

export async function startTestApp(
  opts: { envOverrides?: Record<string, string>; db?: TestDatabase; ownsDb?: boolean } = {},
): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const ownsDb = opts.ownsDb ?? !opts.db;
  const blobDir = await mkdtemp(join(tmpdir(), 'io-blobs-'));
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '5',
    BLOB_DIR: blobDir,
    BLOB_SIGNING_SECRET: 'test-signing-secret-0123456789',
    ESCALATION_SWEEP_INTERVAL_MS: '200',
    HOST: '127.0.0.1',
    PORT: '0',
    ...opts.envOverrides,
  });
  const logger = createLogger(env.log.level);
  const deps = await createDeps(env, logger);
  const app = buildServer({ env, deps, logger });
  await app.services.auth.bootstrap(ADMIN_TOKEN);
  const { url } = await app.listen(0, '127.0.0.1');

  const makeReviewer = async (username: string) => {
    const found = (await app.services.users.list()).find((u) => u.username === username);
    const user =
      found ??
      (await app.services.users.create({ username, email: `${username}@example.com`, role: 'REVIEWER' }));
    return { user, token: (await app.services.users.createToken(user.id, 'test')).token };
  };
  const r1 = await makeReviewer('reviewer1');
  const r2 = await makeReviewer('reviewer2');
  const hubs = await app.services.hubs.list();
  const hub = hubs[0]
    ? await app.services.hubs.rotateToken(hubs[0].id)
    : await app.services.hubs.register('test-hub');
  const tokens = { admin: ADMIN_TOKEN, reviewer: r1.token, reviewer2: r2.token, hub: hub.token };
  const hubId = hub.hub.id;
  const reviewerId = r1.user.id;

  return {
    url,
    app,
    deps,
    db,
    tokens,
    hubId,
    reviewerId,
    async close() {
      await app.close();
      await deps.close();
      if (ownsDb) await db.drop();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

/** fetch against the app with an optional token. */
export function api(base: string) {
  return async (
    path: string,
    init: Omit<RequestInit, 'body'> & { token?: string | null; body?: string | Buffer | null } = {},
  ) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('x-api-token', init.token);
    const { token: _token, body, ...rest } = init;
    const res = await fetch(`${base}${path}`, {
      ...rest,
      headers,
      body: Buffer.isBuffer(body) ? new Uint8Array(body) : body,
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON under test
    let json: any;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
}

/** A GraphQL POST over HTTP. */
export function gql(base: string) {
  return async (
    query: string,
    variables: Record<string, unknown> = {},
    token: string | null = ADMIN_TOKEN,
  ) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-api-token': token } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON under test
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
  };
}
