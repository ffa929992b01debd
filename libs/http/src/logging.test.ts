import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from './logger';
import { redactUrl, requestIdFrom, requestIdOf, withRequestLog } from './request-log';

/** A destination that keeps what the logger wrote. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('resolveLogFormat', () => {
  it.each([
    [undefined, true, 'pretty'],
    [undefined, false, 'json'],
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['JSON', true, 'json'],
    ['pretty', false, 'pretty'],
  ] as const)('%s with tty=%s → %s', (setting, tty, want) => {
    expect(resolveLogFormat(setting, tty)).toBe(want);
  });
  it('refuses an unknown format by name', () => {
    expect(() => resolveLogFormat('xml', true)).toThrow(/LOG_FORMAT/);
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line, tokens redacted', () => {
    const out = sink();
    const log = createLogger({ service: 'svc', level: 'info', format: 'json', destination: out.stream });
    log.info({ req: { headers: { 'x-api-token': 'sekret', authorization: 'Bearer abc' } } }, 'hello');
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const obj = JSON.parse(lines[0]!);
    expect(obj).toMatchObject({ service: 'svc', msg: 'hello', level: 30 });
    expect(out.text()).not.toContain('sekret');
    expect(out.text()).not.toContain('Bearer abc');
  });

  it('writes one readable line per event in pretty format, coloured when asked', () => {
    const plain = sink();
    createLogger({
      service: 'svc',
      level: 'info',
      format: 'pretty',
      destination: plain.stream,
      colorize: false,
    }).warn({ n: 2 }, 'two things');
    const text = plain.text();
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(/WARN.*svc two things/);
    expect(text.trimStart().startsWith('{')).toBe(false);
    expect(text).not.toContain('\u001b[');

    const coloured = sink();
    createLogger({
      service: 'svc',
      level: 'info',
      format: 'pretty',
      destination: coloured.stream,
      colorize: true,
    }).info('hi');
    expect(coloured.text()).toContain('\u001b[');
  });
});

describe('request ids and redaction', () => {
  it('keeps a well-formed caller id and replaces anything else', () => {
    expect(requestIdFrom('abc-123_X.y:z')).toBe('abc-123_X.y:z');
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), 'a\nb'])
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });
  it.each([
    ['/a?token=abc&detector_id=d1', '/a?token=[redacted]&detector_id=d1'],
    ['/a?TOKEN=abc', '/a?TOKEN=[redacted]'],
    ['/a?api_token=abc&page=2', '/a?api_token=[redacted]&page=2'],
    ['/plain', '/plain'],
    ['/a?detector_id=token', '/a?detector_id=token'],
  ])('%s → %s', (url, want) => {
    expect(redactUrl(url)).toBe(want);
  });
});

describe('withRequestLog on a real server', () => {
  async function serve(status: number) {
    const out = sink();
    const log = createLogger({ service: 'svc', level: 'info', format: 'json', destination: out.stream });
    let seenId: string | undefined;
    const server = http.createServer(
      withRequestLog((req, res) => {
        seenId = requestIdOf(req);
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('ok');
      }, log),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return { out, server, port, seenId: () => seenId };
  }

  it('logs id, method, redacted path, status and duration, and echoes the id', async () => {
    const s = await serve(200);
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/x?token=sekret&a=1`, {
        headers: { 'x-request-id': 'caller-42', 'x-api-token': 'sekret' },
      });
      expect(res.headers.get('x-request-id')).toBe('caller-42');
      await res.text();
      await new Promise((r) => setImmediate(r));
      const line = JSON.parse(s.out.text().trim());
      expect(line).toMatchObject({
        requestId: 'caller-42',
        method: 'GET',
        path: '/x?token=[redacted]&a=1',
        status: 200,
        level: 30,
      });
      expect(typeof line.ms).toBe('number');
      expect(s.out.text()).not.toContain('sekret');
      expect(s.seenId()).toBe('caller-42');
    } finally {
      s.server.close();
    }
  });

  it('logs a 5xx at error level with the generated id the response carries', async () => {
    const s = await serve(503);
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/y`, { headers: { 'x-request-id': 'bad id' } });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await res.text();
      await new Promise((r) => setImmediate(r));
      expect(JSON.parse(s.out.text().trim())).toMatchObject({ requestId: id, status: 503, level: 50 });
    } finally {
      s.server.close();
    }
  });
});
