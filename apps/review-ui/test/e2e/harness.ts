/**
 * End-to-end harness: a REAL cloud-graph (cloud-graph's `startCloudForTests`: the composed cloud on port 0,
 * against a fresh PostgreSQL database on 127.0.0.1:5432 and a temp blob folder), the review UI built with vite's build() API and served by vite's
 * preview() on port 0 (proxying /graphql, HTTP and WebSocket, to the cloud), and Debian's Chromium driven by
 * playwright-core (no browser download; a fresh profile per launch).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { startCloudForTests } from '@intellioptics/cloud-graph/test-support';

const here = dirname(fileURLToPath(import.meta.url));
export const APP_DIR = resolve(here, '../..');
export const SCREENSHOT_DIR = join(APP_DIR, 'test-results/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
  /** Runs SQL on the cloud's database (seeding what no API writes yet, e.g. a model's rois). */
  sql: (query: string, params: unknown[]) => Promise<unknown>;
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
    debug('cloud-graph: start');
    // 1. cloud-graph, for real, with the hub the fleet page shows.
    const cloud = await startCloudForTests({ adminToken: ADMIN_TOKEN, hubName: 'line-3-edge' });
    cleanups.push(() => cloud.close());
    const cloudUrl = cloud.url;

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
      tokens: {
        admin: ADMIN_TOKEN,
        reviewer1: cloud.tokens.reviewer,
        reviewer2: cloud.tokens.reviewer2,
        hub: cloud.tokens.hub,
      },
      users: { reviewer1: cloud.reviewerId, reviewer2: cloud.reviewer2Id },
      hubId: cloud.hubId,
      sql: (query, params) => cloud.deps.orm.em.fork().getConnection().execute(query, params),
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
