/**
 * buildServer(deps): one node:http server with GraphQL (yoga: HTTP + SSE; graphql-ws on the same port and
 * path), the Groundlight REST routes, signed blob downloads, health and metrics. It listens only when asked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { GraphQLError, DocumentNode, GraphQLSchema, execute, subscribe } from 'graphql';
import type { WebSocket } from 'ws';
import { createGraphQLError, createYoga, maskError as defaultMaskError } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { ERROR_CODES, IntelliOpticsError } from '@intellioptics/schema';
import type { Env } from './config/env';
import type { Deps } from './deps';
import type { Principal } from './auth/principal';
import { RestRouter, sendJson } from './http/rest';
import { createServices, type Services } from './services';
import { schema } from './graphql/schema';
import { toGraphQLError } from './graphql/errors';
import type { GraphQLContext } from './graphql/context';
import { NoModelCloudPredictor, type CloudPredictor } from './modules/image-queries/cloud-predictor';
import { detectorRoutes } from './modules/detectors/detector.route';
import { imageQueryRoutes } from './modules/image-queries/image-query.route';
import { userRoutes } from './modules/users/user.route';
import { modelUrlRoutes } from './modules/model-versions/model-url.route';
import { blobRoutes } from './blob/blob.route';
import { LocalBlobStore } from './blob/local-blob.store';
import { opsRoutes } from './ops/health.route';
import { createMetrics, type Metrics } from './ops/metrics';
import type { Logger } from './ops/logger';

export const REST_PREFIXES = ['/device-api/v1', '/v1'] as const;

export interface BuildServerDeps {
  env: Env;
  deps: Pick<Deps, 'orm' | 'blobs' | 'pubsub' | 'setPublicBaseUrl'>;
  logger: Logger;
  predictor?: CloudPredictor;
  metrics?: Metrics;
}

export interface CloudGraphServer {
  server: Server;
  services: Services;
  metrics: Metrics;
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/**
 * IntelliOpticsError by shape, not only by `instanceof`: under vitest's module runner an error thrown in a
 * resolver may fail `instanceof` checks against the class (and even against `Error`).
 */
function isCodedError(e: unknown): e is IntelliOpticsError {
  return (
    e instanceof IntelliOpticsError ||
    (typeof e === 'object' &&
      e !== null &&
      (e as { name?: unknown }).name === 'IntelliOpticsError' &&
      typeof (e as { code?: unknown }).code === 'string')
  );
}

type EnvelopedRoot = {
  execute: (args: unknown) => ReturnType<typeof execute>;
  subscribe: (args: unknown) => ReturnType<typeof subscribe>;
};

/** What `yoga.getEnveloped()` returns, typed for the graphql-ws bridge. */
interface Enveloped extends EnvelopedRoot {
  schema: GraphQLSchema;
  contextFactory: () => unknown;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

export function buildServer({
  env,
  deps,
  logger,
  predictor,
  metrics: given,
}: BuildServerDeps): CloudGraphServer {
  const metrics = given ?? createMetrics();
  const services = createServices({
    env,
    orm: deps.orm,
    blobs: deps.blobs,
    pubsub: deps.pubsub,
    predictor: predictor ?? new NoModelCloudPredictor(),
    logger,
    metrics,
  });
  const authenticate = (token: string | null | undefined) => services.auth.authenticate(token);

  // The principal comes from the graphql-ws bridge (already authenticated on connect) or, over HTTP and SSE,
  // from the x-api-token header here.
  const yoga = createYoga<{ principal?: Principal | null }, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: env.nodeEnv !== 'production',
    logging: {
      debug: (...args) => logger.debug(args.length === 1 ? args[0] : args),
      info: (...args) => logger.info(args.length === 1 ? args[0] : args),
      warn: (...args) => logger.warn(args.length === 1 ? args[0] : args),
      error: (...args) => logger.error(args.length === 1 ? args[0] : args),
    },
    context: async ({ principal, request }) => {
      const who =
        principal !== undefined ? principal : await authenticate(request.headers.get('x-api-token'));
      if (!who) {
        throw createGraphQLError(ERROR_CODES.UNAUTHENTICATED.message, {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return { principal: who, services, pubsub: deps.pubsub };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        // No `instanceof GraphQLError` here: yoga may use another copy of graphql (CJS vs ESM under vitest).
        const original = (error as { originalError?: unknown }).originalError ?? error;
        if (isCodedError(original)) {
          return toGraphQLError(original, error as GraphQLError);
        }
        // Coded GraphQL errors we raised ourselves (UNAUTHENTICATED from the context factory) pass unchanged.
        const codeOf = (e: unknown) => (e as { extensions?: { code?: unknown } } | null)?.extensions?.code;
        if (typeof codeOf(original) === 'string' && codeOf(original) !== 'INTERNAL_SERVER_ERROR') {
          return original as GraphQLError;
        }
        logger.error({ err: original ?? error }, 'unexpected GraphQL error');
        return defaultMaskError(error, message, isDev);
      },
    },
  });

  const router = new RestRouter({
    authenticate,
    logger,
    publicUrl: env.http.publicUrl,
    observe: (method, route, status, seconds) =>
      metrics.httpRequests.observe({ method, route, status: String(status) }, seconds),
  });
  userRoutes(router, REST_PREFIXES);
  detectorRoutes(router, services.detectors, REST_PREFIXES);
  imageQueryRoutes(router, services.imageQueries, services.labels, REST_PREFIXES, env.http.maxImageBytes);
  modelUrlRoutes(router, services.models);
  opsRoutes(router, deps.orm, metrics.registry);
  if (deps.blobs instanceof LocalBlobStore) blobRoutes(router, deps.blobs);

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    res.on('finish', () =>
      metrics.httpRequests.observe(
        { method: req.method ?? 'GET', route: '/graphql', status: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      ),
    );
    await yoga(req, res);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const work = path === '/graphql' ? handleGraphQL(req, res) : router.handle(req, res);
    Promise.resolve(work)
      .then((handled) => {
        if (handled === false) sendJson(res, 404, { detail: 'Not found.', code: 'NOT_FOUND' });
      })
      .catch((e: unknown) => {
        logger.error({ err: e, path }, 'unhandled request error');
        sendJson(res, 500, { detail: 'Unexpected error.', code: 'INTERNAL' });
      });
  });

  // graphql-ws on the same server and path; the token comes in connection_init's payload or the upgrade headers.
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const principals = new WeakMap<object, Principal>();
  useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: async (ctx) => {
        const fromPayload = ctx.connectionParams?.['x-api-token'];
        const fromHeader = ctx.extra.request.headers['x-api-token'];
        const token =
          typeof fromPayload === 'string' ? fromPayload : typeof fromHeader === 'string' ? fromHeader : null;
        const principal = await authenticate(token);
        if (!principal) {
          ctx.extra.socket.close(4401, 'Unauthorized');
          return false;
        }
        principals.set(ctx.extra.socket, principal);
        metrics.wsConnections.inc();
        return true;
      },
      onClose: (ctx) => {
        if (principals.has(ctx.extra.socket)) metrics.wsConnections.dec();
      },
      onSubscribe: async (ctx, _id, params) => {
        const principal = principals.get(ctx.extra.socket) ?? null;
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          principal,
        }) as Enveloped;
        const { schema: s, contextFactory, parse, validate } = enveloped;
        const document = parse(params.query);
        const errors = validate(s, document);
        if (errors.length > 0) return errors;
        const contextValue = (await contextFactory()) as GraphQLContext;
        return {
          schema: s,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: { ...contextValue, principal, services, pubsub: deps.pubsub },
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies EnvelopedRoot,
        };
      },
    },
    wss,
  );

  let sweeper: NodeJS.Timeout | null = null;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return {
    server,
    services,
    metrics,
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
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
