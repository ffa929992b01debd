/**
 * The REST surface of the edge (Groundlight `/device-api/v1/*` with the `/v1/*` alias, and the root-level
 * edge routes). Handlers are one-liners over services; unknown routes are 404 and known paths with another
 * method 405, which nginx replays to the cloud.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { IntelliOpticsError, type Detector, type Paginated } from '@intellioptics/schema';
import type { TokenService } from '../auth/token.service';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import type { ImageQueryReadService } from '../image-queries/image-query-read.service';
import type { ImageQueryService } from '../image-queries/image-query.service';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import { edgeOnlyHeaders, headerValue, readBody, readJson, sendError, sendJson, sendJsonText } from './http';

export interface RouteDeps {
  imageQueries: ImageQueryService;
  reader: ImageQueryReadService;
  detectors: DetectorService;
  config: EdgeConfigService;
  tokens: TokenService;
  metrics: EdgeMetrics;
  log: Logger;
  maxBodyBytes: number;
  readiness: () => Promise<{ ready: boolean; detail: Record<string, unknown> }>;
  detectorReadiness: () => Promise<Record<string, { ready: boolean }>>;
  /** GraphQL handlers read their own bodies. */
  graphql: {
    path: string;
    subgraph: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    gateway: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  };
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

export function createRouter(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const token = (req: IncomingMessage) => headerValue(req, 'x-api-token');

  const graphqlRoutes: Route[] = ['GET', 'POST'].flatMap((method) => [
    {
      method,
      pattern: new RegExp(`^${deps.graphql.path}/?$`),
      handler: ({ req, res }) => deps.graphql.subgraph(req, res),
    },
    { method, pattern: /^\/graphql\/?$/, handler: ({ req, res }) => deps.graphql.gateway(req, res) },
  ]);

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: new RegExp(`^${API}/image-queries/?$`),
      handler: async ({ req, res, query }) => {
        const startedAt = performance.now();
        const body = await readBody(req, deps.maxBodyBytes);
        const answer = await deps.imageQueries.submit({
          query,
          token: token(req),
          contentType: headerValue(req, 'content-type'),
          body,
          startedAt,
        });
        sendJsonText(res, answer.status, answer.json, answer.edgeOnly ? edgeOnlyHeaders(answer.json) : {});
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
        await deps.tokens.authorize(token(req));
        sendJson(res, 200, await deps.detectors.get(params[0]!, token(req) ?? null));
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
        await deps.tokens.authorize(token(req));
        const body = await readJson(req, 1024 * 1024);
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
        const r = await deps.readiness();
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
    let pathMatched = false;
    for (const route of routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      route.handler({ req, res, query, params: m.slice(1) }).catch((err: unknown) => {
        const status = sendError(res, err, deps.log);
        deps.metrics.httpErrors.inc({ status: String(status) });
      });
      return;
    }
    const err = pathMatched
      ? new IntelliOpticsError('CONFLICT', 'Method Not Allowed')
      : new IntelliOpticsError('NOT_FOUND', 'Not Found');
    const status = pathMatched ? 405 : 404;
    req.resume();
    sendJson(res, status, { detail: err.message, code: pathMatched ? 'BAD_REQUEST' : 'NOT_FOUND' });
  };
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
