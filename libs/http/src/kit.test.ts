/** The kit on a real node:http server (port 0): body limits, problems, 405 with Allow, connection handling. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntelliOpticsError } from '@intellioptics/schema';
import { readBody, readJsonBody } from './body';
import { Router, splitUrl } from './router';
import { sendJson, sendProblem, sendText } from './send';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
const LIMIT = 1024;

const router = new Router<Handler>()
  .add('POST', '/echo', async (req, res) => {
    const body = await readBody(req, { limit: LIMIT });
    sendJson(res, 200, { bytes: body.length });
  })
  .add('POST', '/json', async (req, res) =>
    sendJson(res, 200, { got: await readJsonBody(req, { limit: LIMIT }) }),
  )
  .add('POST', '/guarded', async (req, res) => {
    if (req.headers['x-api-token'] !== 'ok') throw new IntelliOpticsError('UNAUTHENTICATED');
    sendJson(res, 200, { bytes: (await readBody(req, { limit: LIMIT })).length });
  })
  .add('POST', '/drained', async (req) => {
    req.resume();
    throw new IntelliOpticsError('INVALID_PARAMETER', 'Refused, but the body is drained.');
  })
  .add('GET', '/items/:id', async (_req, res) => sendText(res, 200, 'item'))
  .add('GET', '/boom', async () => {
    throw new Error('secret internals');
  });

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const { path } = splitUrl(req.url);
    void (async () => {
      try {
        const m = router.match(req.method ?? 'GET', path);
        if (!m) throw new IntelliOpticsError('NOT_FOUND', `No route ${path}.`);
        await m.handler(req, res);
      } catch (e) {
        sendProblem(res, e, { requestId: 'req_1' });
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

/** A body sent in chunks without a content-length (transfer-encoding: chunked). */
function chunked(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const n = Math.min(256, size - sent);
      sent += n;
      c.enqueue(new Uint8Array(n));
    },
  });
}

describe('the http kit on a real server', () => {
  it('reads a body up to the limit', async () => {
    expect((await call('/echo', { method: 'POST', body: new Uint8Array(LIMIT) })).json).toEqual({
      bytes: LIMIT,
    });
    expect((await call('/echo', { method: 'POST', body: chunked(LIMIT), duplex: 'half' })).json).toEqual({
      bytes: LIMIT,
    });
  });

  it.each([
    ['a declared size over the limit', () => ({ method: 'POST', body: new Uint8Array(LIMIT + 1) })],
    ['a chunked body over the limit', () => ({ method: 'POST', body: chunked(LIMIT * 4), duplex: 'half' })],
  ])('refuses %s with 413 PAYLOAD_TOO_LARGE and closes the connection', async (_what, init) => {
    const r = await call('/echo', init() as RequestInit);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      detail: expect.stringMatching(/larger than 1024 bytes/),
    });
    expect(r.headers.get('connection')).toBe('close');
  });

  it('reads the body after the token check, and closes when it was never read', async () => {
    const ok = await call('/guarded', { method: 'POST', headers: { 'x-api-token': 'ok' }, body: 'abc' });
    expect(ok.json).toEqual({ bytes: 3 });
    const refused = await call('/guarded', { method: 'POST', body: new Uint8Array(512) });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(refused.headers.get('connection')).toBe('close');
  });

  it('keeps the connection when the refused body is being drained', async () => {
    const r = await call('/drained', { method: 'POST', body: new Uint8Array(512) });
    expect(r.status).toBe(400);
    expect(r.headers.get('connection')).not.toBe('close');
  });

  it.each([
    ['an empty JSON body', '', 400, 'EMPTY_BODY'],
    ['invalid JSON', '{nope', 400, 'BAD_REQUEST'],
  ])('refuses %s', async (_what, body, status, code) => {
    const r = await call('/json', { method: 'POST', body });
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ code });
  });

  it('answers a wrong method with 405 METHOD_NOT_ALLOWED and Allow', async () => {
    const r = await call('/items/1', { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
    expect(r.json).toEqual({
      code: 'METHOD_NOT_ALLOWED',
      detail: 'DELETE is not allowed on /items/1; use GET, HEAD.',
    });
  });

  it('answers a malformed path encoding with 400, never 500', async () => {
    const r = await call('/items/%E0%A4%A');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('masks unexpected errors as 500 INTERNAL and echoes the request id', async () => {
    const r = await call('/boom');
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ code: 'INTERNAL', detail: 'Unexpected error.' });
    expect(r.headers.get('x-request-id')).toBe('req_1');
  });

  it('serves text and 404 problems', async () => {
    const item = await fetch(`${base}/items/7`);
    expect(item.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await item.text()).toBe('item');
    expect((await call('/nope')).json).toMatchObject({ code: 'NOT_FOUND', detail: 'No route /nope.' });
  });
});
