/**
 * The HTTP surface of the edge (Groundlight `/device-api/v1/*` with the `/v1/*` alias, the root-level edge
 * routes and GraphQL) on libs/http's kit. Each handler checks the token from the headers before it reads any
 * body, parses the request once and hands a typed command to a service. Unknown routes are 404 and known
 * paths with another method 405 with `Allow` (the kit's one rule); nginx replays both to the cloud.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  Router,
  paginateList,
  parsePageRequest,
  problemFor,
  readBody,
  readJsonBody,
  sendJson,
  sendJsonText,
  sendProblem,
  splitUrl,
} from '@intellioptics/http';
import { IntelliOpticsError, isIntelliOpticsError, parseSubmitImageQuery } from '@intellioptics/schema';
import type { TokenService } from '../auth/token.service';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import type { GraphqlHandler } from '../graphql/federation';
import type { Readiness } from '../health/readiness.service';
import type { ImageQueryReadService } from '../image-queries/image-query-read.service';
import type { ImageQueryService } from '../image-queries/image-query.service';
import { decisionHeaders } from '../image-queries/submit-image-query';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import type { CorsPolicy } from './cors';
import { edgeOnlyHeaders, isEdgeOnly } from './edge-only';

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
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
}

type Handler = (ctx: Ctx) => Promise<void>;

const API_PREFIXES = ['/device-api/v1', '/v1'];
const EDGE_CONFIG_MAX_BYTES = 1024 * 1024;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createRouter(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const token = (req: IncomingMessage) => header(req, 'x-api-token');
  const router = new Router<Handler>();
  const api = (method: string, path: string, handler: Handler) => {
    for (const prefix of API_PREFIXES) router.add(method, `${prefix}${path}`, handler);
  };

  api('POST', '/image-queries', async ({ req, res, query }) => {
    const startedAt = performance.now();
    const caller = await deps.tokens.caller(token(req));
    const body = await readBody(req, { limit: deps.maxBodyBytes });
    const command = parseSubmitImageQuery(
      { query, contentType: header(req, 'content-type'), body },
      { maxPixels: deps.maxImagePixels, unrecognised: 'UNSUPPORTED_IMAGE_FORMAT' },
    );
    const answer = await deps.imageQueries.submit(command, caller, startedAt);
    sendJsonText(res, 200, answer.json, decisionHeaders(answer));
  });
  api('GET', '/image-queries/:id/image', async ({ req, res, params }) => {
    await deps.tokens.authorize(token(req));
    const image = await deps.reader.image(params.id!);
    res.writeHead(200, { 'content-type': image.contentType, 'content-length': image.bytes.length });
    res.end(image.bytes);
  });
  api('GET', '/image-queries/:id', async ({ req, res, params }) => {
    await deps.tokens.authorize(token(req));
    sendJsonText(res, 200, await deps.reader.get(params.id!));
  });
  api('GET', '/detectors', async ({ req, res, path, query }) => {
    await deps.tokens.authorize(token(req));
    const name = query.get('name');
    const all = deps.detectors.list();
    const page = parsePageRequest(query);
    sendJson(
      res,
      200,
      paginateList(name === null ? all : all.filter((d) => d.name === name), page, {
        baseUrl: `http://${req.headers.host ?? 'localhost'}`,
        path,
        query,
      }),
    );
  });
  api('GET', '/detectors/:id', async ({ req, res, params }) => {
    const caller = await deps.tokens.caller(token(req));
    sendJson(res, 200, await deps.detectors.get(params.id!, caller.token));
  });

  router.add('GET', '/edge-config', async ({ res }) => sendJson(res, 200, deps.config.payload()));
  router.add('PUT', '/edge-config', async ({ req, res }) => {
    const caller = await deps.tokens.caller(token(req));
    // The config names cameras and what the edge answers: only an administrator may change it.
    await deps.tokens.requireRole(caller, ['ADMIN']);
    await deps.config.replace(await readJsonBody(req, { limit: EDGE_CONFIG_MAX_BYTES }));
    sendJson(res, 200, deps.config.payload());
  });
  router.add('GET', '/edge-detector-readiness', async ({ res }) =>
    sendJson(res, 200, await deps.detectorReadiness()),
  );
  router.add('GET', '/health/live', async ({ res }) => sendJson(res, 200, { status: 'alive' }));
  const health: Handler = async ({ res }) => {
    const r = deps.readiness();
    if (r.ready) sendJson(res, 200, { status: 'ready', ...r.detail });
    else sendJson(res, 503, { detail: 'not ready', code: 'NOT_READY', ...r.detail });
  };
  router.add('GET', '/health', health);
  router.add('GET', '/health/ready', health);
  router.add('GET', '/ping', async ({ res }) => sendJson(res, 200, { message: 'Hello!' }));
  router.add('GET', '/metrics', async ({ res }) => {
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(text);
  });

  for (const [path, serve] of [
    [deps.graphql.path, deps.graphql.subgraph],
    ['/graphql', deps.graphql.gateway],
  ] as const) {
    const graphql: Handler = async ({ req, res }) => {
      const cors = deps.cors.check(req);
      const caller = await deps.tokens.caller(token(req));
      await serve(req, res, caller, cors);
    };
    router.add('GET', path, graphql);
    router.add('POST', path, graphql);
    router.add('OPTIONS', path, async ({ req, res }) => {
      res.writeHead(204, deps.cors.preflight(req));
      res.end();
    });
  }

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    const headers = isEdgeOnly(err) ? edgeOnlyHeaders(JSON.stringify(problemFor(err).body)) : {};
    const status = sendProblem(res, err, { headers });
    if (!isIntelliOpticsError(err))
      deps.log.error({ err, method: req.method, url: req.url }, 'unexpected error');
    deps.metrics.httpErrors.inc({ status: String(status) });
  };

  return (req, res) => {
    let match: ReturnType<typeof router.match>;
    const { path, query } = splitUrl(req.url);
    try {
      match = router.match(req.method ?? 'GET', path);
      if (!match) throw new IntelliOpticsError('NOT_FOUND', 'Not Found');
    } catch (err) {
      // Routing refusals (404, 405) come before any handler: drain the body and keep the connection.
      req.resume();
      return fail(req, res, err);
    }
    match
      .handler({ req, res, path, query, params: match.params })
      .catch((err: unknown) => fail(req, res, err));
  };
}
