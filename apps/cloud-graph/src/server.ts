/**
 * buildServer(cloud): one node:http server over a composed cloud (composition.ts) with GraphQL (yoga: HTTP +
 * SSE; graphql-ws on the same port and path), the Groundlight REST routes, signed blob downloads, health and
 * metrics, and the escalation sweeper. It only wires; it listens only when asked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cloud } from './composition';
import { apiDocsRoutes } from './http/api-docs.route';
import { requestIdOf, sendProblem, withRequestLog } from '@intellioptics/http';
import { IntelliOpticsError } from '@intellioptics/schema';
import { RestRouter } from './http/rest';
import { createGraphQLYoga } from './graphql/yoga';
import { serveGraphQLWs } from './graphql/ws';
import { detectorRoutes } from './modules/detectors/detector.route';
import { imageQueryRoutes } from './modules/image-queries/image-query.route';
import { userRoutes } from './modules/users/user.route';
import { modelUrlRoutes } from './modules/model-versions/model-url.route';
import { blobRoutes } from './blob/blob.route';
import { LocalBlobStore } from './blob/local-blob.store';
import { opsRoutes } from './ops/health.route';
import { drainHttpServer } from './ops/shutdown';
import { noteRoutes } from './modules/notes/note.route';
import { detectorGroupRoutes } from './modules/detector-groups/detector-group.route';
import { accountRoutes } from './modules/account/account.route';
import { edgeMetricsRoutes } from './modules/edge-metrics/edge-metrics.route';
import { alertRuleRoutes } from './modules/alert-rules/alert-rule.route';
import { compoundDetectorRoutes } from './modules/compound-detectors/compound-detector.route';

export const REST_PREFIXES = ['/device-api/v1', '/v1'] as const;

/** A GraphQL request body (query + variables) is refused above this, before yoga reads it. */
const GRAPHQL_MAX_BODY_BYTES = 1024 * 1024;
/** The POST body types yoga reads (GraphQL over HTTP: JSON; forms for simple clients). */
const GRAPHQL_BODY_TYPES = new Set([
  'application/json',
  'application/graphql+json',
  'application/graphql-response+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);

export type ServerParts = Pick<Cloud, 'env' | 'logger' | 'deps' | 'services' | 'metrics'>;

export interface CloudGraphServer {
  server: Server;
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export function buildServer({ env, logger, deps, services, metrics }: ServerParts): CloudGraphServer {
  const yoga = createGraphQLYoga({
    services,
    pubsub: deps.pubsub,
    logger,
    graphiql: env.nodeEnv !== 'production',
  });

  const router = new RestRouter({
    authenticate: (token) => services.auth.authenticate(token),
    logger,
    publicUrl: env.http.publicUrl,
    observe: (method, route, status, seconds) =>
      metrics.httpRequests.observe({ method, route, status: String(status) }, seconds),
  });
  userRoutes(router, REST_PREFIXES);
  detectorRoutes(router, services.detectors, services.detectorStats, REST_PREFIXES);
  noteRoutes(router, services.notes, REST_PREFIXES);
  detectorGroupRoutes(router, services.detectorGroups, REST_PREFIXES);
  accountRoutes(router, services.account, REST_PREFIXES);
  edgeMetricsRoutes(router, services.edgeMetrics, REST_PREFIXES);
  alertRuleRoutes(router, services.alertRules, REST_PREFIXES);
  compoundDetectorRoutes(router, services.compoundDetectors, REST_PREFIXES);
  imageQueryRoutes(router, services.imageQueries, services.labels, REST_PREFIXES, env.http.maxImageBytes);
  modelUrlRoutes(router, services.models);
  opsRoutes(router, deps.orm, metrics.registry, env.metrics.token);
  if (deps.blobs instanceof LocalBlobStore) blobRoutes(router, deps.blobs);
  apiDocsRoutes(router, REST_PREFIXES);

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (req.method === 'POST' && !GRAPHQL_BODY_TYPES.has(type)) {
      // yoga would answer an empty 415; say what to send instead.
      sendProblem(
        res,
        new IntelliOpticsError('UNSUPPORTED_MEDIA_TYPE', 'Send the GraphQL request as application/json.'),
      );
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > GRAPHQL_MAX_BODY_BYTES) {
      sendProblem(
        res,
        new IntelliOpticsError(
          'PAYLOAD_TOO_LARGE',
          `A GraphQL request is at most ${GRAPHQL_MAX_BODY_BYTES} bytes.`,
        ),
      );
      return;
    }
    res.on('finish', () =>
      metrics.httpRequests.observe(
        { method: req.method ?? 'GET', route: '/graphql', status: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      ),
    );
    await yoga(req, res);
  };

  const server = createServer(
    withRequestLog(
      (req, res) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const work = path === '/graphql' ? handleGraphQL(req, res) : router.handle(req, res);
        Promise.resolve(work)
          .then((handled) => {
            if (handled === false) sendProblem(res, new IntelliOpticsError('NOT_FOUND', 'Not found.'));
          })
          .catch((e: unknown) => {
            const requestId = requestIdOf(req);
            logger.error({ err: e, path, requestId }, 'unhandled request error');
            sendProblem(res, e, { requestId });
          });
      },
      logger,
      { quiet: (p) => p.startsWith('/health') || p === '/metrics' },
    ),
  );
  const ws = serveGraphQLWs(server, yoga, {
    services,
    pubsub: deps.pubsub,
    metrics,
    recheckIntervalMs: env.auth.recheckIntervalMs,
  });

  let sweeper: NodeJS.Timeout | null = null;

  return {
    server,
    async listen(port = env.http.port, host = env.http.host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      const url = `http://${shownHost}:${address.port}`;
      deps.setPublicBaseUrl(url);
      sweeper = setInterval(() => {
        services.escalations
          .sweep()
          .catch((e: unknown) => logger.warn({ err: e }, 'escalation sweep failed'));
      }, env.escalations.sweepIntervalMs);
      sweeper.unref();
      return { url, port: address.port };
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      await ws.close();
      await drainHttpServer(server);
    },
  };
}
