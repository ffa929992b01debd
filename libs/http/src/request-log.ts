/**
 * One log line per HTTP request (id, method, path with secrets redacted, status, duration), and the request id
 * every response echoes in `x-request-id`: a caller's well-formed id is kept so its logs and ours join up.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The three levels the request log uses (pino's Logger has them). */
export interface RequestLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SECRET_QUERY_KEYS = new Set([
  'token',
  'api_token',
  'apitoken',
  'access_token',
  'x-api-token',
  'key',
  'password',
]);
const ids = new WeakMap<IncomingMessage, string>();

/** The caller's `x-request-id` when it is safe to log and echo, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && WELL_FORMED_ID.test(v) ? v : randomUUID();
}

/** The id `withRequestLog` gave this request (error logs inside handlers carry it); undefined outside it. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return ids.get(req);
}

/** `url` with the values of secret query parameters replaced by `[redacted]`. */
export function redactUrl(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  if (q === -1) return u;
  const parts = u
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawKey = eq === -1 ? pair : pair.slice(0, eq);
      let key = rawKey;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      } catch {
        /* keep the raw key */
      }
      return SECRET_QUERY_KEYS.has(key.toLowerCase()) && eq !== -1 ? `${rawKey}=[redacted]` : pair;
    });
  return `${u.slice(0, q)}?${parts.join('&')}`;
}

export interface RequestLogOptions {
  /** Paths whose < 400 answers log at debug (probes and scrapes arrive every few seconds). */
  quiet?: (path: string) => boolean;
}

/**
 * Wraps a node:http handler: assigns the request id (response header `x-request-id`) before the handler
 * runs, and logs the request when the response finishes or the client goes away: info for < 400, warn for
 * 4xx, error for 5xx (with the id, so a 5xx a caller reports can be found).
 */
export function withRequestLog(handler: Handler, log: RequestLogger, opts: RequestLogOptions = {}): Handler {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    ids.set(req, requestId);
    res.setHeader('x-request-id', requestId);
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const status = res.writableFinished ? res.statusCode : 499;
      const path = redactUrl(req.url);
      const line = {
        requestId,
        method: req.method ?? 'GET',
        path,
        status,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
      };
      const msg = `${line.method} ${path} ${status} ${line.ms}ms`;
      if (status >= 500) log.error(line, msg);
      else if (status >= 400) log.warn(line, msg);
      else if (opts.quiet?.(path.split('?')[0] ?? '/')) log.debug(line, msg);
      else log.info(line, msg);
    };
    res.once('finish', done);
    res.once('close', done);
    return handler(req, res);
  };
}
