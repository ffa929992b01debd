/**
 * A small REST layer on node:http: routes with `:params`, served under every prefix given, JSON and problem
 * bodies, a bounded body reader, and one place that maps errors to statuses (IntelliOpticsError → its status
 * and `{"detail", "code"}`; anything else → 500 "Unexpected error." and a log line).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntelliOpticsError, isIntelliOpticsError, type Role } from '@intellioptics/schema';
import { requireRole, type Principal } from '../auth/principal';
import type { Logger } from '../ops/logger';

export interface RestRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  raw: IncomingMessage;
  /** `scheme://host` the client used (or PUBLIC_URL), for absolute links. */
  baseUrl: string;
  /** The caller if it has one of `roles`; throws 401/403 otherwise. */
  auth(roles: readonly Role[]): Promise<Principal>;
  /** The raw body, at most `limit` bytes (413 beyond). */
  body(limit: number): Promise<Buffer>;
  json(limit?: number): Promise<unknown>;
}

export type RestResult =
  | { status: number; json: unknown }
  | { status: number; body: Buffer; contentType: string; headers?: Record<string, string> }
  | { status: 204 };

export type RestHandler = (req: RestRequest) => Promise<RestResult>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  name: string;
  handler: RestHandler;
}

export interface RouterDeps {
  authenticate(token: string | null): Promise<Principal | null>;
  logger: Logger;
  publicUrl: string | null;
  observe(method: string, route: string, status: number, seconds: number): void;
}

export class RestRouter {
  private readonly routes: Route[] = [];

  constructor(private readonly deps: RouterDeps) {}

  /** Registers `path` (with `:params`, optional trailing slash) under each prefix. */
  add(method: string, path: string, handler: RestHandler, prefixes: readonly string[] = ['']): void {
    for (const prefix of prefixes) {
      const full = `${prefix}${path}`.replace(/\/+$/, '');
      const keys: string[] = [];
      const source = full
        .split('/')
        .map((seg) => {
          if (seg.startsWith(':')) {
            keys.push(seg.slice(1));
            return '([^/]+)';
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      this.routes.push({
        method,
        pattern: new RegExp(`^${source}/?$`),
        keys,
        name: `${prefix}${path}`,
        handler,
      });
    }
  }

  /** Handles the request if a route's path matches; returns false when no path matches. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matches = this.routes.filter((r) => r.pattern.test(url.pathname));
    if (matches.length === 0) return false;
    const method = req.method ?? 'GET';
    const route = matches.find((r) => r.method === method || (method === 'HEAD' && r.method === 'GET'));
    let status = 500;
    try {
      if (!route) {
        status = 405;
        res.setHeader('allow', [...new Set(matches.map((m) => m.method))].join(', '));
        sendJson(res, 405, { detail: 'Method not allowed.', code: 'BAD_REQUEST' });
        return true;
      }
      const m = route.pattern.exec(url.pathname)!;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      let principal: Principal | null | undefined;
      const request: RestRequest = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        raw: req,
        baseUrl: this.deps.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`,
        auth: async (roles) => {
          if (principal === undefined) {
            const header = req.headers['x-api-token'];
            principal = await this.deps.authenticate(typeof header === 'string' ? header : null);
          }
          return requireRole(principal, roles);
        },
        body: (limit) => readBody(req, limit),
        json: async (limit = 1024 * 1024) => {
          const raw = await readBody(req, limit);
          if (raw.length === 0) throw new IntelliOpticsError('EMPTY_BODY', 'Send a JSON body.');
          try {
            return JSON.parse(raw.toString('utf8')) as unknown;
          } catch {
            throw new IntelliOpticsError('BAD_REQUEST', 'The body is not valid JSON.');
          }
        },
      };
      const result = await route.handler(request);
      status = result.status;
      if ('json' in result) sendJson(res, result.status, result.json);
      else if ('body' in result) {
        res.writeHead(result.status, {
          'content-type': result.contentType,
          'content-length': String(result.body.length),
          ...result.headers,
        });
        res.end(method === 'HEAD' ? undefined : result.body);
      } else {
        res.writeHead(204).end();
      }
    } catch (e) {
      if (isIntelliOpticsError(e)) {
        status = e.status;
        sendJson(res, e.status, e.toProblem());
        if (e.status === 413) req.resume();
      } else {
        status = 500;
        this.deps.logger.error({ err: e, path: url.pathname, method }, 'unexpected error in REST handler');
        sendJson(res, 500, { detail: 'Unexpected error.', code: 'INTERNAL' });
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.deps.observe(method, route?.name ?? 'unmatched', status, seconds);
    }
    return true;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Reads the body up to `limit` bytes; PAYLOAD_TOO_LARGE as soon as the declared or actual size exceeds it. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(
      new IntelliOpticsError('PAYLOAD_TOO_LARGE', `The body is larger than ${limit} bytes.`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new IntelliOpticsError('PAYLOAD_TOO_LARGE', `The body is larger than ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** `page` / `page_size` query params (1-based; page_size 1..1000, default 10). */
export function pageParams(query: URLSearchParams): { page: number; pageSize: number } {
  const parse = (name: string, def: number, max: number) => {
    const raw = query.get(name);
    if (raw === null || raw === '') return def;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
      throw new IntelliOpticsError('INVALID_PARAMETER', `${name} must be a whole number from 1 to ${max}.`);
    }
    return Number(raw);
  };
  return { page: parse('page', 1, 1_000_000), pageSize: parse('page_size', 10, 1000) };
}

/** The paginated envelope with absolute `next`/`previous` links. */
export function paginated<T>(
  req: RestRequest,
  page: number,
  pageSize: number,
  count: number,
  results: T[],
): { count: number; next: string | null; previous: string | null; results: T[] } {
  const link = (p: number) => {
    const q = new URLSearchParams(req.query);
    q.set('page', String(p));
    q.set('page_size', String(pageSize));
    return `${req.baseUrl}${req.path}?${q.toString()}`;
  };
  return {
    count,
    next: page * pageSize < count ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results,
  };
}
