/**
 * graphql-ws on the HTTP server's `/graphql` path, executed through yoga's envelop (same schema, plugins and
 * error masking as HTTP). The token comes in connection_init's payload or the upgrade headers.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { DocumentNode, GraphQLError, GraphQLSchema, execute, subscribe } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/principal';
import type { Metrics } from '../ops/metrics';
import type { Services } from '../services';
import type { GraphQLContext } from './context';
import type { AppPubSub } from './pubsub';
import { nulInOperation } from './nul-guard';
import type { CloudYoga } from './yoga';

type EnvelopedRoot = {
  execute: (args: unknown) => ReturnType<typeof execute>;
  subscribe: (args: unknown) => ReturnType<typeof subscribe>;
};

/** What `yoga.getEnveloped()` returns, typed for the bridge. */
interface Enveloped extends EnvelopedRoot {
  schema: GraphQLSchema;
  contextFactory: () => unknown;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

/** Far above any operation within OPERATION_LIMITS (5,000 tokens). */
export const WS_MAX_MESSAGE_BYTES = 64 * 1024;

export interface GraphQLWs {
  /** Terminates every socket, then stops accepting. */
  close(): Promise<void>;
}

export function serveGraphQLWs(
  server: Server,
  yoga: CloudYoga,
  parts: { services: Services; pubsub: AppPubSub; metrics: Metrics; recheckIntervalMs: number },
): GraphQLWs {
  const { services, pubsub, metrics } = parts;
  // Every message, connection_init (the token) included, is bounded before it is parsed: ws closes a
  // connection sending more with 1009.
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: WS_MAX_MESSAGE_BYTES });
  const principals = new WeakMap<object, Principal>();
  // The token each open session signed in with, re-checked on a timer: a revoked or expired token, a disabled
  // user or a rotated hub token closes the session (4403), on every replica, within one interval.
  const sessions = new Map<WebSocket, string>();
  const recheck = setInterval(() => {
    for (const [socket, token] of sessions) {
      services.auth.authenticate(token).then(
        (still) => {
          if (!still && sessions.delete(socket))
            socket.close(4403, 'Forbidden: the token is no longer valid');
        },
        () => undefined, // the database is away: keep the session, check again next time
      );
    }
  }, parts.recheckIntervalMs);
  recheck.unref();
  useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: async (ctx) => {
        const fromPayload = ctx.connectionParams?.['x-api-token'];
        const fromHeader = ctx.extra.request.headers['x-api-token'];
        const token =
          typeof fromPayload === 'string' ? fromPayload : typeof fromHeader === 'string' ? fromHeader : null;
        const principal = await services.auth.authenticate(token);
        if (!principal) {
          ctx.extra.socket.close(4401, 'Unauthorized');
          return false;
        }
        principals.set(ctx.extra.socket, principal);
        if (token) {
          const socket = ctx.extra.socket;
          sessions.set(socket, token);
          socket.once('close', () => sessions.delete(socket));
        }
        metrics.wsConnections.inc();
        return true;
      },
      onClose: (ctx) => {
        if (principals.has(ctx.extra.socket)) metrics.wsConnections.dec();
      },
      onSubscribe: async (ctx, _id, params) => {
        const nul = nulInOperation(params);
        if (nul) return [nul];
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
          contextValue: { ...contextValue, principal, services, pubsub },
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies EnvelopedRoot,
        };
      },
    },
    wss,
  );
  return {
    async close() {
      clearInterval(recheck);
      sessions.clear();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
