/**
 * The cloud nginx template against Debian's real nginx: the review UI's static build with the single-page
 * fallback, and /graphql (with WebSocket upgrade) plus the REST routes proxied to a stand-in cloud-graph.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort, request, startNginx, startRecorder, type NginxInstance, type Recorder } from './harness';

const INDEX = '<!doctype html><html><body><div id="root"></div><script src="/assets/app-1a2b.js"></script>';

describe('cloud.conf.template (real nginx)', () => {
  let dir: string;
  let graph: Recorder;
  let nginx: NginxInstance;
  let base: string;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'io-cloud-nginx-'));
    chmodSync(dir, 0o755); // nginx workers run as nobody
    const ui = join(dir, 'ui');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), INDEX);
    writeFileSync(join(ui, 'assets', 'app-1a2b.js'), 'console.log("ui")');
    graph = await startRecorder((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-from': 'cloud-graph' });
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: req.body.length }));
    });
    port = await freePort();
    nginx = await startNginx(
      'cloud.conf.template',
      {
        CLOUD_HTTP_PORT: `127.0.0.1:${port}`,
        CLOUD_GRAPH_ADDR: `127.0.0.1:${graph.port}`,
        UI_ROOT: ui,
        NGINX_ACCESS_LOG: join(dir, 'access.log'),
      },
      [port],
    );
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await nginx?.stop();
    await graph?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    graph.requests.length = 0;
  });

  it('serves index.html at / and for an unknown UI path (client-side routing)', async () => {
    for (const path of ['/', '/queue/det_123', '/detectors/det_9/labels?page=3']) {
      const r = await request(`${base}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.body.toString()).toBe(INDEX);
    }
    expect(graph.requests).toHaveLength(0);
  });

  it('serves build assets with a long cache, and 404 (not index.html) for a missing asset', async () => {
    const r = await request(`${base}/assets/app-1a2b.js`);
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toContain('immutable');
    expect(r.body.toString()).toBe('console.log("ui")');
    const missing = await request(`${base}/assets/gone-0000.js`);
    expect(missing.status).toBe(404);
  });

  it('proxies /graphql over HTTP to cloud-graph', async () => {
    const body = '{"query":"{ detectors { id } }"}';
    const r = await request(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-from']).toBe('cloud-graph');
    expect(graph.requests[0]).toMatchObject({ method: 'POST', url: '/graphql' });
    expect(graph.requests[0]!.body.toString()).toBe(body);
  });

  it('upgrades a WebSocket on /graphql to cloud-graph', async () => {
    const wss = new WebSocketServer({ noServer: true });
    graph.server.once('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => ws.send(`hello ${req.url}`));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const first = await new Promise<string>((done, reject) => {
      ws.once('message', (m: Buffer) => done(m.toString()));
      ws.once('error', reject);
    });
    ws.close();
    wss.close();
    expect(first).toBe('hello /graphql');
  });

  it('proxies the REST routes (method, path, query, body) to cloud-graph', async () => {
    const routes = [
      ['POST', '/device-api/v1/image-queries?detector_id=det_1&wait=0'],
      ['GET', '/v1/detectors?page=1'],
      ['GET', '/edge-api/v1/fetch-model-urls/det_1/'],
      ['GET', '/blobs/models/det_1/3.tar?exp=1&sig=ab'],
      ['GET', '/health/ready'],
      ['GET', '/metrics'],
    ] as const;
    for (const [method, path] of routes) {
      const body = method === 'POST' ? Buffer.alloc(3 * 1024 * 1024, 7) : undefined;
      const r = await request(`${base}${path}`, { method, ...(body ? { body } : {}) });
      expect(r.status, path).toBe(200);
      expect(JSON.parse(r.body.toString()), path).toEqual({ method, url: path, bytes: body?.length ?? 0 });
    }
    expect(graph.requests).toHaveLength(routes.length);
    expect(graph.requests[0]!.headers['x-forwarded-proto']).toBe('http');
  });

  it('does not send UI paths or unknown API-looking paths to cloud-graph', async () => {
    const r = await request(`${base}/device-apiX/v1/x`);
    expect(r.body.toString()).toBe(INDEX);
    expect(graph.requests).toHaveLength(0);
  });
});
