/**
 * The edge nginx template against Debian's real nginx: a stand-in edge-gateway and a stand-in cloud
 * (node:http, recording every request) show what passes through, what is replayed to the cloud, and what
 * stays on the edge.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  freePort,
  request,
  selfSignedCert,
  startNginx,
  startRecorder,
  type NginxInstance,
  type Recorded,
  type Recorder,
} from './harness';

const EDGE_ONLY_BODY = JSON.stringify({
  detail: 'Edge predictions are required for this detector, but no edge model is available yet.',
  code: 'EDGE_ONLY_UNAVAILABLE',
});

/** The stand-in gateway answers by path: /status/<code>[/edge-only[/nobody]] or 200 with an echo. */
function gatewayHandler(req: Recorded, res: ServerResponse): void {
  const forced = Number(req.headers['x-test-status']);
  if (forced) {
    res.writeHead(forced, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: `gateway forced ${forced} on ${req.url}` }));
    return;
  }
  const m = /^\/(?:device-api\/v1\/)?status\/(\d{3})(\/edge-only)?(\/nobody)?/.exec(req.url);
  if (m) {
    const status = Number(m[1]);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let body = JSON.stringify({ detail: `gateway says ${status}` });
    if (m[2]) {
      body = EDGE_ONLY_BODY;
      headers['x-io-edge-only'] = '1';
      if (!m[3]) headers['x-io-edge-only-body'] = EDGE_ONLY_BODY;
    }
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'x-from': 'gateway' });
  res.end(JSON.stringify({ from: 'gateway', method: req.method, url: req.url, bytes: req.body.length }));
}

function cloudHandler(req: Recorded, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'x-from': 'cloud' });
  res.end(JSON.stringify({ from: 'cloud', method: req.method, url: req.url, bytes: req.body.length }));
}

describe('edge.conf.template (real nginx)', () => {
  let dir: string;
  let gateway: Recorder;
  let cloud: Recorder;
  let nginx: NginxInstance;
  let httpPort: number;
  let httpsPort: number;
  let base: string;
  let envFor: (http: number, https: number) => Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'io-edge-nginx-'));
    const { cert, key } = selfSignedCert(dir);
    gateway = await startRecorder(gatewayHandler);
    cloud = await startRecorder(cloudHandler);
    httpPort = await freePort();
    httpsPort = await freePort();
    envFor = (http: number, https: number) => ({
      EDGE_HTTP_PORT: `127.0.0.1:${http}`,
      EDGE_HTTPS_PORT: `127.0.0.1:${https}`,
      EDGE_GATEWAY_ADDR: `127.0.0.1:${gateway.port}`,
      CLOUD_URL: `http://127.0.0.1:${cloud.port}`,
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_ACCESS_LOG: join(dir, 'access.log'),
      CLOUD_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
    });
    nginx = await startNginx('edge.conf.template', envFor(httpPort, httpsPort), [httpPort, httpsPort]);
    base = `http://127.0.0.1:${httpPort}`;
  });

  afterAll(async () => {
    await nginx?.stop();
    await gateway?.close();
    await cloud?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    gateway.requests.length = 0;
    cloud.requests.length = 0;
  });

  it('passes a gateway 200 through without touching the cloud', async () => {
    const r = await request(`${base}/device-api/v1/detectors?page=2`);
    expect(r.status).toBe(200);
    expect(r.headers['x-from']).toBe('gateway');
    expect(JSON.parse(r.body.toString())).toMatchObject({
      from: 'gateway',
      url: '/device-api/v1/detectors?page=2',
    });
    expect(gateway.requests).toHaveLength(1);
    expect(cloud.requests).toHaveLength(0);
  });

  it('keeps upstream connections alive (HTTP/1.1, no Connection: close) and forwards client headers', async () => {
    await request(`${base}/ping`, { headers: { 'x-api-token': 'tok_123' } });
    const seen = gateway.requests[0]!;
    expect(seen.headers.connection).toBeUndefined();
    expect(seen.headers['x-api-token']).toBe('tok_123');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives an HTTP/1.0 request without Host a Host header upstream (Node refuses requests without one)', async () => {
    const reply = await new Promise<string>((done, reject) => {
      let data = '';
      const sock = connect(httpPort, '127.0.0.1', () => sock.write('GET /ping HTTP/1.0\r\n\r\n'));
      sock.on('data', (c: Buffer) => (data += c.toString()));
      sock.on('end', () => done(data));
      sock.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(gateway.requests[0]!.headers.host).toBe(`127.0.0.1:${httpPort}`);
  });

  for (const status of [502, 503, 504]) {
    it(`replays a gateway ${status} to the cloud with the same method, path, query and body`, async () => {
      const body = JSON.stringify({ n: status, text: 'ünïcode' });
      const r = await request(`${base}/device-api/v1/status/${status}?a=1&b=%20x`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-token': 'tok_abc' },
        body,
      });
      expect(r.status).toBe(200);
      expect(r.headers['x-io-served-by']).toBe('cloud');
      expect(gateway.requests).toHaveLength(1);
      expect(cloud.requests).toHaveLength(1);
      const seen = cloud.requests[0]!;
      expect(seen.method).toBe('PUT');
      expect(seen.url).toBe(`/device-api/v1/status/${status}?a=1&b=%20x`);
      expect(seen.body.toString()).toBe(body);
      expect(seen.headers['x-api-token']).toBe('tok_abc');
      expect(seen.headers['content-type']).toBe('application/json');
      // The cloud sees its own host name, not the edge's.
      expect(seen.headers.host).toBe(`127.0.0.1:${cloud.port}`);
    });
  }

  it('does not replay other gateway answers (400, 401, 404, 405, 413, 422, 429, 500): the gateway asked the cloud itself', async () => {
    for (const status of [400, 401, 404, 405, 413, 422, 429, 500]) {
      const r = await request(`${base}/status/${status}`);
      expect(r.status).toBe(status);
      expect(JSON.parse(r.body.toString())).toEqual({ detail: `gateway says ${status}` });
    }
    expect(cloud.requests).toHaveLength(0);
  });

  it('never replays the edge-local routes (/edge-config, /edge-detector-readiness, /health/*)', async () => {
    const cases = [
      ['PUT', '/edge-config', 422],
      ['GET', '/edge-detector-readiness', 503],
      ['GET', '/health/ready', 503],
      ['GET', '/health/live', 502],
    ] as const;
    for (const [method, path, status] of cases) {
      const r = await request(`${base}${path}`, {
        method,
        headers: { 'x-test-status': String(status) },
        ...(method === 'PUT' ? { body: 'detectors: [' } : {}),
      });
      expect(r.status, path).toBe(status);
      expect(JSON.parse(r.body.toString()), path).toEqual({ detail: `gateway forced ${status} on ${path}` });
    }
    expect(cloud.requests).toHaveLength(0);
    // The same forced 503 elsewhere is replayed: the exemption is by route.
    const other = await request(`${base}/edge-configs`, { headers: { 'x-test-status': '503' } });
    expect(other.headers['x-io-served-by']).toBe('cloud');
  });

  it('replays a 1 MB binary POST byte-identical, query included', async () => {
    const image = randomBytes(1024 * 1024);
    const r = await request(
      `${base}/device-api/v1/status/503/image-queries?detector_id=det_1&want_async=true`,
      {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: image,
      },
    );
    expect(r.status).toBe(200);
    expect(gateway.requests[0]!.body.equals(image)).toBe(true);
    const seen = cloud.requests[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/device-api/v1/status/503/image-queries?detector_id=det_1&want_async=true');
    expect(seen.headers['content-type']).toBe('image/jpeg');
    expect(seen.body.length).toBe(image.length);
    expect(seen.body.equals(image)).toBe(true);
  });

  it('replays a chunked upload (no Content-Length from the client) byte-identical', async () => {
    const image = randomBytes(512 * 1024 + 17);
    const status = await new Promise<number>((done, reject) => {
      const req = httpRequest(
        `${base}/device-api/v1/status/504/chunked?x=1`,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'content-type': 'image/png' } },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < image.length; i += 64 * 1024) req.write(image.subarray(i, i + 64 * 1024));
      req.end();
    });
    expect(status).toBe(200);
    const seen = cloud.requests[0]!;
    expect(seen.url).toBe('/device-api/v1/status/504/chunked?x=1');
    expect(seen.body.equals(image)).toBe(true);
  });

  it('keeps an edge-only 503 on the edge with its status and {"detail"} body', async () => {
    const r = await request(`${base}/device-api/v1/status/503/edge-only`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: randomBytes(2048),
    });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-io-edge-only']).toBe('1');
    expect(r.headers['x-io-edge-only-body']).toBeUndefined();
    expect(r.body.toString()).toBe(EDGE_ONLY_BODY);
    expect(cloud.requests).toHaveLength(0);
  });

  it('keeps every edge-only status on the edge (404 and 422 too)', async () => {
    for (const status of [404, 405, 422, 502, 504]) {
      const r = await request(`${base}/status/${status}/edge-only`);
      expect(r.status).toBe(status);
      expect(JSON.parse(r.body.toString())).toMatchObject({ code: 'EDGE_ONLY_UNAVAILABLE' });
    }
    expect(cloud.requests).toHaveLength(0);
  });

  it('an edge-only mark without the body header still stays on the edge with a generic {"detail"}', async () => {
    const r = await request(`${base}/status/503/edge-only/nobody`);
    expect(r.status).toBe(503);
    expect(r.headers['x-io-edge-only']).toBe('1');
    expect(JSON.parse(r.body.toString())).toHaveProperty('detail');
    expect(cloud.requests).toHaveLength(0);
  });

  it('does not leak the edge-only body header on answers that pass through', async () => {
    const r = await request(`${base}/status/400/edge-only`);
    expect(r.status).toBe(400);
    expect(r.headers['x-io-edge-only']).toBe('1');
    expect(r.headers['x-io-edge-only-body']).toBeUndefined();
  });

  it('accepts a 12 MB body (client_max_body_size 16m) and refuses 17 MB with 413', async () => {
    const big = randomBytes(12 * 1024 * 1024);
    const r = await request(`${base}/device-api/v1/image-queries`, { method: 'POST', body: big });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toMatchObject({ from: 'gateway', bytes: big.length });
    const tooBig = await request(`${base}/device-api/v1/image-queries`, {
      method: 'POST',
      body: randomBytes(17 * 1024 * 1024),
    });
    expect(tooBig.status).toBe(413);
  });

  it('serves the same routes over TLS on the HTTPS port', async () => {
    const r = await request(`https://127.0.0.1:${httpsPort}/device-api/v1/detectors`);
    expect(r.status).toBe(200);
    expect(r.headers['x-from']).toBe('gateway');
    expect(gateway.requests[0]!.headers['x-forwarded-proto']).toBe('https');
  });

  it('writes a JSON access log line with request and upstream times', async () => {
    await request(`${base}/device-api/v1/status/503?log=1`);
    await new Promise((r) => setTimeout(r, 100));
    const lines = readFileSync(nginx.accessLog, 'utf8').trim().split('\n');
    const entry = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.uri === '/device-api/v1/status/503?log=1');
    expect(entry).toBeDefined();
    expect(entry!.status).toBe(200);
    expect(typeof entry!.request_time).toBe('number');
    expect(String(entry!.upstream_response_time)).toMatch(/^\d+\.\d{3} : \d+\.\d{3}$/);
    // " : " separates the gateway's answer from the cloud's after the internal redirect.
    expect(entry!.upstream_status).toBe('503 : 200');
    expect(entry!.served_by).toBe('cloud');
  });

  it('upgrades a WebSocket on /graphql to the gateway', async () => {
    const wsPort = await freePort();
    // A second gateway stand-in would need a second nginx; instead the recorder's server handles upgrades.
    const wss = new WebSocketServer({ noServer: true });
    const seen: string[] = [];
    gateway.server.once('upgrade', (req, socket, head) => {
      seen.push(`${req.url} ${req.headers['sec-websocket-protocol']}`);
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`));
      });
    });
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/graphql`, 'graphql-transport-ws');
    const reply = await new Promise<string>((done, reject) => {
      ws.once('open', () => ws.send('{"type":"connection_init"}'));
      ws.once('message', (m: Buffer) => done(m.toString()));
      ws.once('error', reject);
    });
    ws.close();
    wss.close();
    expect(wsPort).toBeGreaterThan(0);
    expect(reply).toBe('echo:{"type":"connection_init"}');
    expect(seen).toEqual(['/graphql graphql-transport-ws']);
    expect(cloud.requests).toHaveLength(0);
  });

  it('does not replay gateway answers on /graphql (the edge graph degrades by itself)', async () => {
    const r = await request(`${base}/graphql`, { method: 'POST', body: '{"query":"{__typename}"}' });
    expect(r.status).toBe(200);
    expect(r.headers['x-from']).toBe('gateway');
    expect(cloud.requests).toHaveLength(0);
  });

  it('restricts /metrics to private networks (loopback allowed)', async () => {
    const r = await request(`${base}/metrics`, { headers: { authorization: 'Bearer scrape' } });
    expect(r.status).toBe(200);
    expect(gateway.requests[0]!.url).toBe('/metrics');
    // The scraper's credentials reach the gateway (it checks them: METRICS_TOKEN or an API token).
    expect(gateway.requests[0]!.headers.authorization).toBe('Bearer scrape');
  });

  it('denies /metrics to an address outside the allow list (the same config, loopback taken out)', async () => {
    // Every test client is on loopback, so the deny rule is proven by the same rendered config without the
    // loopback allowance: removing `deny all` (or the location) from the template makes this fail.
    const loopbackAllowed = /(location = \/metrics \{[^}]*?)\n\s*allow 127\.0\.0\.0\/8;/;
    const [http, https] = [await freePort(), await freePort()];
    let edited = '';
    const strict = await startNginx('edge.conf.template', envFor(http, https), [http, https], (config) => {
      edited = config.replace(loopbackAllowed, '$1');
      return edited;
    });
    try {
      expect(edited).toMatch(/location = \/metrics \{[^}]*deny all;/);
      expect(edited).not.toMatch(/location = \/metrics \{[^}]*allow 127\./);
      const denied = await request(`http://127.0.0.1:${http}/metrics`);
      expect(denied.status).toBe(403);
      const other = await request(`http://127.0.0.1:${http}/device-api/v1/detectors`);
      expect(other.status).toBe(200);
      expect(gateway.requests.map((q) => q.url)).toEqual(['/device-api/v1/detectors']);
      expect(cloud.requests).toHaveLength(0);
    } finally {
      await strict.stop();
    }
  });

  // Last: stops the gateway.
  it('replays to the cloud when the gateway is down (502), POST body included', async () => {
    await gateway.close();
    const image = randomBytes(1024 * 1024);
    const r = await request(`${base}/device-api/v1/image-queries?detector_id=det_2`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: image,
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-io-served-by']).toBe('cloud');
    const seen = cloud.requests[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/device-api/v1/image-queries?detector_id=det_2');
    expect(seen.body.equals(image)).toBe(true);

    const gql = await request(`${base}/graphql`, { method: 'POST', body: '{"query":"{__typename}"}' });
    expect(gql.status).toBe(200);
    expect(gql.headers['x-from']).toBe('cloud');
    expect(cloud.requests[1]!.url).toBe('/graphql');
  });
});
