/**
 * End-to-end harness: a REAL cloud-graph (its buildServer, on port 0, against a fresh PostgreSQL database on
 * 127.0.0.1:5432 and a temp blob folder), the review UI built with vite's build() API and served by vite's
 * preview() on port 0 (proxying /graphql, HTTP and WebSocket, to the cloud), and Debian's Chromium driven by
 * playwright-core (no browser download; a fresh profile per launch).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { parseEnv } from '../../../cloud-graph/src/config/env';
import { createDeps, type Deps } from '../../../cloud-graph/src/deps';
import { createLogger } from '../../../cloud-graph/src/ops/logger';
import { buildServer, type CloudGraphServer } from '../../../cloud-graph/src/server';

const here = dirname(fileURLToPath(import.meta.url));
export const APP_DIR = resolve(here, '../..');
export const SCREENSHOT_DIR = join(APP_DIR, 'test-results/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const debug = (step: string): void => {
  if (process.env.E2E_DEBUG) console.log(`[e2e ${new Date().toISOString()}] ${step}`);
};

export const ADMIN_TOKEN = `io_e2eadmin${randomBytes(16).toString('hex')}`;

export interface Harness {
  cloudUrl: string;
  uiUrl: string;
  browser: Browser;
  tokens: { admin: string; reviewer1: string; reviewer2: string; hub: string };
  users: { reviewer1: string; reviewer2: string };
  hubId: string;
  gql: (query: string, variables?: Record<string, unknown>, token?: string) => Promise<GqlResult>;
  rest: (
    path: string,
    init?: { method?: string; token?: string; body?: Uint8Array<ArrayBuffer>; contentType?: string },
  ) => Promise<{
    status: number;
    json: unknown;
  }>;
  close: () => Promise<void>;
}

export interface GqlResult {
  data?: Record<string, unknown>;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `io_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function startHarness(): Promise<Harness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
  }
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    debug('cloud-graph: creating database');
    // 1. cloud-graph, for real.
    const db = await createDatabase();
    cleanups.push(db.drop);
    const blobDir = await mkdtemp(join(tmpdir(), 'io-ui-e2e-blobs-'));
    cleanups.push(() => rm(blobDir, { recursive: true, force: true }));
    const env = parseEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '5',
      BLOB_DIR: blobDir,
      BLOB_SIGNING_SECRET: randomBytes(24).toString('hex'),
      HOST: '127.0.0.1',
      PORT: '0',
    });
    debug('cloud-graph: deps');
    const logger = createLogger(env.log.level);
    const deps: Deps = await createDeps(env, logger);
    cleanups.push(() => deps.close());
    debug('cloud-graph: build server');
    const app: CloudGraphServer = buildServer({ env, deps, logger });
    cleanups.push(() => app.close());
    await app.services.auth.bootstrap(ADMIN_TOKEN);
    const { url: cloudUrl } = await app.listen(0, '127.0.0.1');

    const gql: Harness['gql'] = async (query, variables = {}, token = ADMIN_TOKEN) => {
      const res = await fetch(`${cloudUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-token': token },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GqlResult;
    };
    const rest: Harness['rest'] = async (path, init = {}) => {
      const headers: Record<string, string> = { 'x-api-token': init.token ?? ADMIN_TOKEN };
      if (init.contentType) headers['content-type'] = init.contentType;
      const res = await fetch(`${cloudUrl}${path}`, {
        method: init.method ?? 'GET',
        headers,
        body: init.body,
      });
      const text = await res.text();
      const parse = (): unknown => {
        try {
          return text ? (JSON.parse(text) as unknown) : null;
        } catch {
          return text;
        }
      };
      return { status: res.status, json: parse() };
    };

    debug('cloud-graph: listening; creating users');
    // People and a hub, created through the API the way an admin would.
    const reviewer = async (username: string) => {
      const created = await gql(
        'mutation($input: CreateUserInput!) { createUser(input: $input) { ok error { message } user { id } } }',
        { input: { username, email: `${username}@example.com`, role: 'REVIEWER' } },
      );
      const userId = (created.data?.createUser as { user: { id: string } } | undefined)?.user.id;
      if (!userId) throw new Error(`createUser failed: ${JSON.stringify(created)}`);
      const tok = await gql(
        'mutation($userId: ID) { createApiToken(name: "e2e", userId: $userId) { ok token error { message } } }',
        { userId },
      );
      const token = (tok.data?.createApiToken as { token: string | null } | undefined)?.token;
      if (!token) throw new Error(`createApiToken failed: ${JSON.stringify(tok)}`);
      return { userId, token };
    };
    const r1 = await reviewer('reviewer1');
    const r2 = await reviewer('reviewer2');
    const hub = await gql(
      'mutation { registerHub(name: "line-3-edge") { ok token hub { id } error { message } } }',
    );
    const hubPayload = hub.data?.registerHub as { token: string; hub: { id: string } } | undefined;
    if (!hubPayload?.token) throw new Error(`registerHub failed: ${JSON.stringify(hub)}`);

    debug('ui: vite build');
    // 2. The UI, built and served the way production serves it (static files, /graphql proxied).
    const outDir = await mkdtemp(join(tmpdir(), 'io-ui-e2e-dist-'));
    cleanups.push(() => rm(outDir, { recursive: true, force: true }));
    // vitest sets NODE_ENV=test, which would make vite bundle React's development build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        root: APP_DIR,
        configFile: join(APP_DIR, 'vite.config.ts'),
        mode: 'production',
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    debug('ui: vite preview');
    const server: PreviewServer = await preview({
      root: APP_DIR,
      configFile: false,
      logLevel: 'warn',
      build: { outDir },
      preview: {
        host: '127.0.0.1',
        port: 0,
        strictPort: false,
        proxy: { '/graphql': { target: cloudUrl, ws: true, changeOrigin: true } },
      },
    });
    cleanups.push(() => server.close());
    const uiUrl = server.resolvedUrls?.local[0]?.replace(/\/$/, '');
    if (!uiUrl) throw new Error('vite preview did not report a URL');

    debug('chromium: launch');
    // 3. Chromium from Debian.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    cleanups.push(() => browser.close());
    debug('ready');
    await mkdir(SCREENSHOT_DIR, { recursive: true });

    return {
      cloudUrl,
      uiUrl,
      browser,
      tokens: { admin: ADMIN_TOKEN, reviewer1: r1.token, reviewer2: r2.token, hub: hubPayload.token },
      users: { reviewer1: r1.userId, reviewer2: r2.userId },
      hubId: hubPayload.hub.id,
      gql,
      rest,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

export const VIEWPORTS = {
  laptop: { width: 1366, height: 800 },
  tablet: { width: 768, height: 1024 },
} as const;

/** A page in a new browser context (its own storage), signed in by pasting `token` on the sign-in page. */
export async function signedInPage(
  h: Harness,
  token: string,
  viewport: { width: number; height: number } = VIEWPORTS.laptop,
  hash = '#/queue',
): Promise<Page> {
  const context = await h.browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${h.uiUrl}/${hash}`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** A real JPEG, drawn and encoded by Chromium itself (a scene with a rail, so screenshots look like work). */
export async function makeJpeg(page: Page, seed: number): Promise<Uint8Array<ArrayBuffer>> {
  const b64 = await page.evaluate((n) => {
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 480;
    const g = c.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, 0, 480);
    grad.addColorStop(0, '#6b7f8f');
    grad.addColorStop(1, '#2b3036');
    g.fillStyle = grad;
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#3a3f45';
    g.fillRect(0, 330, 640, 150);
    g.strokeStyle = n % 2 ? '#e3b341' : '#d0d4d8';
    g.lineWidth = 14;
    g.beginPath();
    g.moveTo(60, 300);
    g.lineTo(60 + 120 + (n % 5) * 60, 300 - (n % 3) * 40);
    g.stroke();
    for (let i = 0; i < 6; i++) {
      g.fillStyle = '#9aa5ae';
      g.fillRect(60 + i * 100, 300, 10, 90);
    }
    g.fillStyle = '#fff';
    g.font = 'bold 22px sans-serif';
    g.fillText(`cam-${n % 4} frame ${n}`, 20, 36);
    return c.toDataURL('image/jpeg', 0.88).split(',')[1]!;
  }, seed);
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}
