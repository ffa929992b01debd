/**
 * The HTTP surface of the edge (Groundlight `/device-api/v1/*` with the `/v1/*` alias, the root-level edge
 * routes and GraphQL) on libs/http's kit. Each handler checks the token from the headers before it reads any
 * body, parses the request once and hands a typed command to a service. What the edge does not serve (an
 * unknown route, another method, or a 404/405/422 of a handler, forward-rule.ts) goes to the cloud with the
 * caller's token and the same bytes (cloud-forward.ts); changes accepted there are applied here at once
 * (write-through.ts), so a client reads its own writes through the edge, with or without nginx in front.
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
  redactUrl,
  requestIdOf,
  sendJson,
  sendJsonText,
  sendProblem,
  splitUrl,
} from '@intellioptics/http';
import {
  IntelliOpticsError,
  PaginatedImageQueryListSchema,
  isIntelliOpticsError,
  parseSubmitImageQuery,
} from '@intellioptics/schema';
import { isScrapeToken } from '../auth/scrape-token';
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
import { jsonBody } from '../http/http-client';
import type { CloudForwarder } from './cloud-forward';
import { createApiDocs } from './api-docs';
import type { CorsPolicy } from './cors';
import { edgeOnlyHeaders, isEdgeOnly } from './edge-only';
import { shouldForwardToCloud } from './forward-rule';
import { mergeFirstPage } from './image-query-listing';
import type { ForwardedWrite } from './write-through';

export interface RouteDeps {
  imageQueries: Pick<ImageQueryService, 'submit'>;
  reader: ImageQueryReadService;
  detectors: Pick<DetectorService, 'list' | 'get'>;
  config: Pick<EdgeConfigService, 'payload' | 'replace'>;
  tokens: Pick<TokenService, 'authorize' | 'caller' | 'requireRole'>;
  metrics: EdgeMetrics;
  /** METRICS_TOKEN: a scraper may send it as `Authorization: Bearer` instead of an API token. */
  metricsToken: string | null;
  log: Logger;
  maxBodyBytes: number;
  maxImagePixels: number;
  readiness: () => Readiness;
  detectorReadiness: () => Promise<Record<string, { ready: boolean }>>;
  /** `/status/resources.json` (health/resources.ts). */
  resources: () => Promise<unknown>;
  cors: CorsPolicy;
  graphql: { path: string; subgraph: GraphqlHandler; gateway: GraphqlHandler };
  forwarder: Pick<CloudForwarder, 'send' | 'reply' | 'readReplayableBody'>;
  /** Applies a change the cloud accepted through this edge to the edge's state (write-through.ts). */
  writeThrough: (w: ForwardedWrite) => Promise<void>;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  /** The request body once a handler read it (kept so a 404/422 can still be replayed to the cloud). */
  body?: Buffer;
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
  // Unknown submit parameters are ignored as the reference edge does (newer SDKs add some): logged once a name.
  const unknownSeen = new Set<string>();
  const noteUnknownParameters = (names: string[]) => {
    for (const name of names) {
      if (unknownSeen.has(name) || unknownSeen.size >= 256) continue;
      unknownSeen.add(name);
      deps.log.warn({ parameter: name.slice(0, 100) }, 'ignoring an unknown image-query parameter');
    }
  };
  const api = (method: string, path: string, handler: Handler) => {
    for (const prefix of API_PREFIXES) router.add(method, `${prefix}${path}`, handler);
  };

  api('POST', '/image-queries', async (ctx) => {
    const { req, res, query } = ctx;
    const startedAt = performance.now();
    const caller = await deps.tokens.caller(token(req));
    const body = await readBody(req, { limit: deps.maxBodyBytes });
    ctx.body = body;
    const command = parseSubmitImageQuery(
      { query, contentType: header(req, 'content-type'), body },
      { maxPixels: deps.maxImagePixels, unrecognised: 'UNSUPPORTED_IMAGE_FORMAT' },
      { onUnknown: noteUnknownParameters },
    );
    const answer = await deps.imageQueries.submit(command, caller, startedAt);
    sendJsonText(res, 200, answer.json, decisionHeaders(answer));
  });
  // Not held here (404): replayed to the cloud like other reads, which knows the ones escalated elsewhere.
  api('GET', '/image-queries/:id/explanation', async ({ req, res, params }) => {
    await deps.tokens.authorize(token(req));
    sendJson(res, 200, await deps.reader.explanation(params.id!));
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
  api('GET', '/image-queries', async ({ req, res, path, query }) => {
    const page = parsePageRequest(query);
    const detectorId = query.get('detector_id');
    const outcome = await deps.forwarder.send(req, Buffer.alloc(0));
    if (!outcome.ok && detectorId !== null) {
      // Offline: this edge's own queries of that detector.
      await deps.tokens.authorize(token(req));
      const local = page.page === 1 ? await deps.reader.recent(detectorId, page.pageSize) : [];
      const baseUrl = `http://${req.headers.host ?? 'localhost'}`;
      return sendJson(
        res,
        200,
        paginateList(local, { page: 1, pageSize: page.pageSize }, { baseUrl, path, query }),
        {
          'x-io-served-by': 'edge',
        },
      );
    }
    const cloudPage =
      outcome.ok && outcome.response.status === 200 && detectorId !== null && page.page === 1
        ? PaginatedImageQueryListSchema.safeParse(jsonBody(outcome.response))
        : null;
    if (!cloudPage?.success) return void deps.forwarder.reply(req, res, outcome);
    const local = await deps.reader.recent(detectorId!, page.pageSize);
    sendJson(res, 200, mergeFirstPage(cloudPage.data, local, page.pageSize), {
      'x-io-served-by': 'cloud+edge',
    });
  });
  // The SDK's constructor: GET /me (token check), then GET /api-tokens/by-snippet/{snippet} (SDK >= 0.31, a
  // 404 or `token_ttl: null` means "keep the configured token"). Asked of the cloud as the caller; offline,
  // answered for a caller the edge has verified.
  api('GET', '/me', async ({ req, res }) => {
    const outcome = await deps.forwarder.send(req, Buffer.alloc(0));
    if (outcome.ok) return void deps.forwarder.reply(req, res, outcome);
    await deps.tokens.authorize(token(req));
    sendJson(res, 200, { username: '', email: '', is_superuser: false }, { 'x-io-served-by': 'edge' });
  });
  api('GET', '/api-tokens/by-snippet/:snippet', async ({ req, res }) => {
    const outcome = await deps.forwarder.send(req, Buffer.alloc(0));
    if (outcome.ok) return void deps.forwarder.reply(req, res, outcome);
    await deps.tokens.authorize(token(req));
    // Answered, not thrown: a thrown 404 would be replayed to the cloud that just failed.
    sendProblem(
      res,
      new IntelliOpticsError('NOT_FOUND', 'Automatic API token refresh is not available offline.'),
      {
        headers: { 'x-io-served-by': 'edge' },
      },
    );
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

  router.add('GET', '/edge-config', async ({ req, res }) => {
    await deps.tokens.authorize(token(req));
    sendJson(res, 200, deps.config.payload());
  });
  router.add('PUT', '/edge-config', async ({ req, res }) => {
    const caller = await deps.tokens.caller(token(req));
    // The config names cameras and what the edge answers: only an administrator may change it.
    await deps.tokens.requireRole(caller, ['ADMIN']);
    await deps.config.replace(await readJsonBody(req, { limit: EDGE_CONFIG_MAX_BYTES }));
    sendJson(res, 200, deps.config.payload());
  });
  router.add('GET', '/edge-detector-readiness', async ({ req, res }) => {
    await deps.tokens.authorize(token(req));
    sendJson(res, 200, await deps.detectorReadiness());
  });
  router.add('GET', '/status/resources.json', async ({ req, res }) => {
    await deps.tokens.authorize(token(req));
    sendJson(res, 200, await deps.resources());
  });
  router.add('GET', '/health/live', async ({ res }) => sendJson(res, 200, { status: 'alive' }));
  const health: Handler = async ({ res }) => {
    const r = deps.readiness();
    if (r.ready) sendJson(res, 200, { status: 'ready', ...r.detail });
    else sendJson(res, 503, { detail: 'not ready', code: 'NOT_READY', ...r.detail });
  };
  router.add('GET', '/health', health);
  router.add('GET', '/health/ready', health);
  router.add('GET', '/ping', async ({ res }) => sendJson(res, 200, { message: 'Hello!' }));
  const docs = createApiDocs(
    () => router.routes(),
    (req) => deps.tokens.authorize(token(req)),
  );
  router.add('GET', '/openapi.json', ({ req, res }) => docs.json(req, res));
  router.add('GET', '/docs', ({ req, res }) => docs.html(req, res));
  router.add('GET', '/metrics', async ({ req, res }) => {
    if (!isScrapeToken(deps.metricsToken, header(req, 'authorization')))
      await deps.tokens.authorize(token(req));
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
      deps.log.error(
        { err, method: req.method, url: redactUrl(req.url), requestId: requestIdOf(req) },
        'unexpected error',
      );
    deps.metrics.httpErrors.inc({ status: String(status) });
  };

  /** Replays the request to the cloud; a change it accepted is applied here before the answer goes out. */
  const forward = async (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) => {
    const outcome = await deps.forwarder.send(req, body);
    if (outcome.ok) {
      const method = (req.method ?? 'GET').toUpperCase();
      await deps.writeThrough({
        method,
        path,
        requestBody: body,
        response: outcome.response,
        token: token(req),
      });
    }
    deps.forwarder.reply(req, res, outcome);
  };

  /** The edge's refusal, or the cloud's answer when the rule says the cloud may know better. */
  const failOrForward = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    err: unknown,
    read: Buffer | undefined,
    routing: boolean,
  ) => {
    const status = problemFor(err).status;
    if (!shouldForwardToCloud({ status, edgeOnly: isEdgeOnly(err), path })) {
      // A routing refusal keeps the connection (drain the body); a handler's refusal of an unread body closes it.
      if (routing) req.resume();
      return fail(req, res, err);
    }
    let body = read;
    if (body === undefined) {
      // A handler that consumed a body without keeping it cannot have it replayed.
      if (req.readableEnded) {
        if (hadBody(req)) return fail(req, res, err);
        body = Buffer.alloc(0);
      } else {
        body = await deps.forwarder.readReplayableBody(req);
      }
    }
    await forward(req, res, path, body);
  };

  return (req, res) => {
    let match: ReturnType<typeof router.match>;
    const { path, query } = splitUrl(req.url);
    const refuse = (err: unknown, read: Buffer | undefined, routing = false) =>
      failOrForward(req, res, path, err, read, routing).catch((e: unknown) => fail(req, res, e));
    try {
      match = router.match(req.method ?? 'GET', path);
      if (!match) throw new IntelliOpticsError('NOT_FOUND', 'Not Found');
    } catch (err) {
      // Routing refusals (404, 405) come before any handler: the cloud may serve the route.
      return void refuse(err, undefined, true);
    }
    const ctx: Ctx = { req, res, path, query, params: match.params };
    match.handler(ctx).catch((err: unknown) => refuse(err, ctx.body));
  };
}

function hadBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}
