/**
 * A real cloud-graph for tests and benchmarks, composed the way main.ts composes it, on port 0 against its
 * own PostgreSQL database (127.0.0.1:5432, or TEST_PG_URL) and a temp blob folder, with an admin, two
 * reviewers and a hub. Optional REDIS_URL / Azure settings come through `envOverrides`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeCloud, type Cloud, type ComposeOptions } from '../../src/composition';
import { parseEnv } from '../../src/config/env';
import type { Deps } from '../../src/deps';
import { createLogger } from '../../src/ops/logger';
import { buildServer, type CloudGraphServer } from '../../src/server';
import type { Services } from '../../src/services';
import { createTestDatabase, type TestDatabase } from './test-db';

export const ADMIN_TOKEN = 'io_testadmintoken0000000000000000000000001';

export interface TestCloud {
  url: string;
  cloud: Cloud;
  app: CloudGraphServer;
  services: Services;
  deps: Deps;
  db: TestDatabase;
  tokens: { admin: string; reviewer: string; hub: string; reviewer2: string };
  hubId: string;
  reviewerId: string;
  reviewer2Id: string;
  close(): Promise<void>;
}

export interface TestCloudOptions {
  envOverrides?: Record<string, string>;
  /** A database to use (and keep, unless `ownsDb`); a fresh one by default. */
  db?: TestDatabase;
  ownsDb?: boolean;
  /** The bootstrap admin's token (default ADMIN_TOKEN). */
  adminToken?: string;
  /** The name of the hub registered at start (default `test-hub`). */
  hubName?: string;
  /** Cloud-side answers (default `none`: every query goes to the review queue). */
  predictor?: ComposeOptions['predictor'];
}

export async function startCloudForTests(opts: TestCloudOptions = {}): Promise<TestCloud> {
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
  const cloud = await composeCloud(env, logger, { predictor: opts.predictor ?? 'none' });
  const { services } = cloud;
  const app = buildServer(cloud);
  const adminToken = opts.adminToken ?? ADMIN_TOKEN;
  await services.auth.bootstrap(adminToken);
  const { url } = await app.listen(0, '127.0.0.1');

  const makeReviewer = async (username: string) => {
    const found = (await services.users.list()).find((u) => u.username === username);
    const user =
      found ??
      (await services.users.create({ username, email: `${username}@example.com`, role: 'REVIEWER' }));
    return { user, token: (await services.users.createToken(user.id, 'test')).token };
  };
  const r1 = await makeReviewer('reviewer1');
  const r2 = await makeReviewer('reviewer2');
  const hubs = await services.hubs.list();
  const hub = hubs[0]
    ? await services.hubs.rotateToken(hubs[0].id)
    : // The tests' hub uses every detector (null); a hub registered in a test sees none until assigned.
      await services.hubs.register(opts.hubName ?? 'test-hub', null);

  return {
    url,
    cloud,
    app,
    services,
    deps: cloud.deps,
    db,
    tokens: { admin: adminToken, reviewer: r1.token, reviewer2: r2.token, hub: hub.token },
    hubId: hub.hub.id,
    reviewerId: r1.user.id,
    reviewer2Id: r2.user.id,
    async close() {
      await app.close();
      await cloud.close();
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
