/**
 * cloud-graph's REST layer over the shared kit (libs/http: router, bounded bodies, problems, pagination): each
 * route is served under every prefix given, the caller is authenticated on demand, and one place maps errors
 * to answers (IntelliOpticsError → its status and `{"detail", "code"}`; anything else → a masked 500, logged
 * with the request id the client sees in `x-request-id`). Values PostgreSQL cannot store (NUL characters) are
 * refused here, as the client's 400, before any service sees them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Router,
  parsePageRequest,
  paginated as paginatedEnvelope,
  readBody,
  readJsonBody,
  requestIdOf,
  sendJson,
  sendProblem,
  splitUrl,
  type PageRequest,
} from '@intellioptics/http';
import { isIntelliOpticsError, type Paginated, type Role } from '@intellioptics/schema';
import { requireRole, type Principal } from '../auth/principal';
import { asDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../ops/logger';
import { assertNoNul } from './nul';

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
  /** A JSON body (at most 1 MiB by default); 400 when it is not JSON or holds a NUL character. */
  json(limit?: number): Promise<unknown>;
}

export type RestResult =
  | { status: number; json: unknown }
  | { status: number; body: Buffer; contentType: string; headers?: Record<string, string> }
  | { status: 204 };

export type RestHandler = (req: RestRequest) => Promise<RestResult>;

export interface RouterDeps {
  authenticate(token: string | null): Promise<Principal | null>;
  logger: Logger;
  publicUrl: string | null;
  observe(method: string, route: string, status: number, seconds: number): void;
}

export class RestRouter {
  private readonly router = new Router<RestHandler>();

  constructor(private readonly deps: RouterDeps) {}

  /** Registers `path` (with `:params`, optional trailing slash) under each prefix. */
  add(method: string, path: string, handler: RestHandler, prefixes: readonly string[] = ['']): void {
    for (const prefix of prefixes) this.router.add(method, `${prefix}${path}`, handler);
  }

  /** The registered routes (what /openapi.json describes). */
  routes(): { method: string; route: string }[] {
    return this.router.routes();
  }

  /** Handles the request if a route's path matches; returns false when no path matches. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const { path, query } = splitUrl(req.url);
    let route = 'unmatched';
    let status = 500;
    try {
      const match = this.router.match(method, path);
      if (!match) return false;
      route = match.route;
      for (const [name, value] of Object.entries(match.params))
        assertNoNul(value, `The path segment ${name}`);
      for (const [name, value] of query) assertNoNul(value, `Query parameter ${name}`);
      const result = await match.handler(this.request(req, method, path, query, match.params));
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
    } catch (caught) {
      const requestId = requestIdOf(req) ?? randomUUID();
      const e = asDatabaseUnavailable(caught);
      if (!isIntelliOpticsError(e)) {
        this.deps.logger.error({ err: e, path, method, requestId }, 'unexpected error in REST handler');
      } else if (e.code === 'DATABASE_UNAVAILABLE') {
        this.deps.logger.warn({ err: caught, path, method, requestId }, 'database unavailable: answered 503');
      }
      status = sendProblem(res, e, { requestId });
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.deps.observe(method, route, status, seconds);
    }
    return true;
  }

  private request(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    params: Record<string, string>,
  ): RestRequest {
    let principal: Principal | null | undefined;
    return {
      method,
      path,
      params,
      query,
      raw: req,
      baseUrl: this.deps.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`,
      auth: async (roles) => {
        if (principal === undefined) {
          const header = req.headers['x-api-token'];
          principal = await this.deps.authenticate(typeof header === 'string' ? header : null);
        }
        return requireRole(principal, roles);
      },
      body: (limit) => readBody(req, { limit }),
      json: async (limit = 1024 * 1024) => {
        const value = await readJsonBody(req, { limit });
        assertNoNul(value, 'The body');
        return value;
      },
    };
  }
}

/** `page` / `page_size` query params (the one rule of libs/http: 1-based; page_size 1..1000, default 10). */
export function pageParams(query: URLSearchParams): PageRequest {
  return parsePageRequest(query);
}

/** The paginated envelope with absolute `next`/`previous` links that keep the request's other parameters. */
export function paginated<T>(req: RestRequest, page: PageRequest, count: number, results: T[]): Paginated<T> {
  return paginatedEnvelope(page, count, results, { baseUrl: req.baseUrl, path: req.path, query: req.query });
}
