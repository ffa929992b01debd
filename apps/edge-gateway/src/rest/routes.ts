/**
 * The HTTP surface of the edge (Groundlight `/device-api/v1/*` with the `/v1/*` alias, the root-level edge
 * routes and GraphQL). Each handler checks the token from the headers before it reads any body, parses the
 * request once and hands a typed command to a service. Unknown routes are 404 and known paths with another
 * method 405 (with `allow`), which nginx replays to the cloud.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseSubmitImageQuery, type Detector, type Paginated } from '@intellioptics/schema';
import type { TokenService } from '../auth/token.service';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import type { GraphqlHandler } from '../graphql/federation';
import type { Readiness } from '../health/readiness.service';
import type { ImageQueryReadService } from '../image-queries/image-query-read.service';
import type { ImageQueryService } from '../image-queries/image-query.service';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { CorsPolicy } from './cors';
import { headerValue, readBody, readJson, sendError, sendJson, sendJsonText } from './http';

export interface RouteDeps {
  imageQueries: Pick<ImageQueryService, 'submit'>;
  reader: ImageQueryReadService;
  detectors: Pick<DetectorService, 'list' | 'get'>;
  config: Pick<EdgeConfigService, 'payload' | 'replace'>;
  tokens: Pick<TokenService, 'authorize' | 'caller' | 'requireRole'>;
  metrics: EdgeMetrics;
  log: Logger;
  maxBodyBytes: number;
  maxImagePixels: number;
  readiness: () => Readiness;
  detectorReadiness: () => Promise<Record<string, { ready: boolean }>>;
  cors: CorsPolicy;
  graphql: { path: string; subgraph: GraphqlHandler; gateway: GraphqlHandler };
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  params: string[];
}

type Handler = (ctx: Ctx) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const API = '(?:/device-api)?/v1';
const ID = '([A-Za-z0-9_\\-]{1,100})';
const EDGE_CONFIG_MAX_BYTES = 1024 * 1024;

export function createRouter(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const token = (req: IncomingMessage) => headerValue(req, 'x-api-token');

  const graphqlRoutes: Route[] = [
    { path: new RegExp(`^${deps.graphql.path}/?$`), serve: deps.graphql.subgraph },
    { path: /^\/graphql\/?$/, serve: deps.graphql.gateway },
  ].flatMap(({ path, serve }) => [
    ...['GET', 'POST'].map((method) => ({
      method,
      pattern: path,
      handler: async ({ req, res }: Ctx) => {
        const cors = deps.cors.check(req);
        const caller = await deps.tokens.caller(token(req));
        await serve(req, res, caller, cors);
      },
    })),
    {
      method: 'OPTIONS',
      pattern: path,
      handler: async ({ req, res }: Ctx) => {
        res.writeHead(204, deps.cors.preflight(req));
        res.end();
      },
    },
  ]);

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: new RegExp(`^${API}/image-queries/?$`),
      handler: async ({ req, res, query }) => {
        const startedAt = performance.now();
        const caller = await deps.tokens.caller(token(req));
        const body = await readBody(req, deps.maxBodyBytes);
        const command = parseSubmitImageQuery(
          { query, contentType: headerValue(req, 'content-type'), body },
          { maxPixels: deps.maxImagePixels, unrecognised: 'UNSUPPORTED_IMAGE_FORMAT' },
        );
        const answer = await deps.imageQueries.submit(command, caller, startedAt);
        sendJsonText(res, 200, answer.json);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${API}/image-queries/${ID}/image/?$`),
      handler: async ({ req, res, params }) => {
        await deps.tokens.authorize(token(req));
        const image = await deps.reader.image(params[0]!);
        res.writeHead(200, { 'content-type': image.contentType, 'content-length': image.bytes.length });
        res.end(image.bytes);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${API}/image-queries/${ID}/?$`),
      handler: async ({ req, res, params }) => {
        await deps.tokens.authorize(token(req));
        sendJsonText(res, 200, await deps.reader.get(params[0]!));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${API}/detectors/?$`),
      handler: async ({ req, res, query }) => {
        await deps.tokens.authorize(token(req));
        sendJson(res, 200, paginate(deps.detectors.list(), query, req));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${API}/detectors/${ID}/?$`),
      handler: async ({ req, res, params }) => {
        const caller = await deps.tokens.caller(token(req));
        sendJson(res, 200, await deps.detectors.get(params[0]!, caller.token));
      },
    },
    {
      method: 'GET',
      pattern: /^\/edge-config\/?$/,
      handler: async ({ res }) => sendJson(res, 200, deps.config.payload()),
    },
    {
      method: 'PUT',
      pattern: /^\/edge-config\/?$/,
      handler: async ({ req, res }) => {
        const caller = await deps.tokens.caller(token(req));
        // The config names cameras and what the edge answers: only an administrator may change it.
        await deps.tokens.requireRole(caller, ['ADMIN']);
        const body = await readJson(req, EDGE_CONFIG_MAX_BYTES);
        await deps.config.replace(body);
        sendJson(res, 200, deps.config.payload());
      },
    },
    {
      method: 'GET',
      pattern: /^\/edge-detector-readiness\/?$/,
      handler: async ({ res }) => sendJson(res, 200, await deps.detectorReadiness()),
    },
    {
      method: 'GET',
      pattern: /^\/health\/live\/?$/,
      handler: async ({ res }) => sendJson(res, 200, { status: 'alive' }),
    },
    {
      method: 'GET',
      pattern: /^\/health(?:\/ready)?\/?$/,
      handler: async ({ res }) => {
        const r = deps.readiness();
        if (r.ready) sendJson(res, 200, { status: 'ready', ...r.detail });
        else sendJson(res, 503, { detail: 'not ready', code: 'NOT_READY', ...r.detail });
      },
    },
    {
      method: 'GET',
      pattern: /^\/ping\/?$/,
      handler: async ({ res }) => sendJson(res, 200, { message: 'Hello!' }),
    },
    {
      method: 'GET',
      pattern: /^\/metrics\/?$/,
      handler: async ({ res }) => {
        const text = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(text);
      },
    },
    ...graphqlRoutes,
  ];

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const allowed: string[] = [];
    for (const route of routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) {
        allowed.push(route.method);
        continue;
      }
      route.handler({ req, res, query, params: m.slice(1) }).catch((err: unknown) => {
        const status = sendError(res, err, deps.log, bodyUnread(req));
        deps.metrics.httpErrors.inc({ status: String(status) });
      });
      return;
    }
    req.resume();
    if (allowed.length > 0) {
      sendJson(
        res,
        405,
        { detail: 'Method Not Allowed', code: 'BAD_REQUEST' },
        { allow: allowed.join(', ') },
      );
    } else {
      sendJson(res, 404, { detail: 'Not Found', code: 'NOT_FOUND' });
    }
  };
}

/** The request came with a body that nobody read (it was refused first): close instead of draining it. */
function bodyUnread(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

function paginate(all: Detector[], query: URLSearchParams, req: IncomingMessage): Paginated<Detector> {
  const name = query.get('name');
  const filtered = name === null ? all : all.filter((d) => d.name === name);
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const pageSize = Math.min(1000, Math.max(1, Number.parseInt(query.get('page_size') ?? '10', 10) || 10));
  const start = (page - 1) * pageSize;
  const base = `http://${req.headers.host ?? 'localhost'}${(req.url ?? '').split('?')[0] ?? ''}`;
  const link = (p: number) => {
    const u = new URLSearchParams(query);
    u.set('page', String(p));
    u.set('page_size', String(pageSize));
    return `${base}?${u.toString()}`;
  };
  return {
    count: filtered.length,
    next: start + pageSize < filtered.length ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results: filtered.slice(start, start + pageSize),
  };
}
