/**
 * The edge's federated `/graphql`: a Hive Gateway runtime over two subgraphs — the cloud (CLOUD_URL/graphql)
 * and this edge's own subgraph, which the gateway calls in-process (no loopback HTTP). The supergraph is
 * composed here with @theguild/federation-composition; the cloud's SDL is fetched (`_service { sdl }`) and
 * cached in the state store, so an edge that starts offline still composes. While the cloud is unreachable,
 * queries get the edge's fields and an error entry for the cloud's.
 *
 * Callers are authorised by the route before anything here runs, and the cloud sees the caller's own token:
 * the edge never lends its token to a GraphQL caller. GraphiQL is served only in development.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGatewayRuntime, useCustomFetch } from '@graphql-hive/gateway-runtime';
import { readBody } from '@intellioptics/http';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Caller } from '../auth/caller';
import type { HttpClient } from '../http/http-client';
import { jsonBody } from '../http/http-client';
import type { Logger } from '../logger';
import type { KvRepository } from '../store/kv.repository';
import type { DeadLetterAccess, EdgeGraphContext, EdgeGraphState } from './context';
import { edgeSubgraphSchema, edgeSubgraphSdl } from './schema';

export const EDGE_SUBGRAPH_PATH = '/graphql/edge';
const SDL_KEY = 'cloud_subgraph_sdl';
/** The edge subgraph's address in the supergraph; requests to it never leave the process. */
const IN_PROCESS_EDGE_URL = `http://edge-subgraph.in-process${EDGE_SUBGRAPH_PATH}`;

export type GraphqlHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
  extraHeaders: Record<string, string>,
) => Promise<void>;

interface FetchHandler {
  fetch: (request: Request) => Response | Promise<Response>;
}

export interface EdgeGraphqlDeps {
  state: EdgeGraphState;
  deadLetters: DeadLetterAccess;
  cloud: HttpClient;
  cloudUrl: string;
  /** Only to read the cloud's schema (`_service { sdl }`); never forwarded for a caller. */
  edgeToken: string | null;
  kv: Pick<KvRepository, 'get' | 'set'>;
  log: Logger;
  graphiql: boolean;
  maxBodyBytes: number;
}

export function createEdgeGraphql(deps: EdgeGraphqlDeps): {
  subgraph: GraphqlHandler;
  gateway: GraphqlHandler;
  close: () => Promise<void>;
} {
  const subgraphYoga = createYoga<Record<string, unknown>, EdgeGraphContext>({
    schema: edgeSubgraphSchema(),
    graphqlEndpoint: EDGE_SUBGRAPH_PATH,
    landingPage: false,
    graphiql: deps.graphiql,
    cors: false,
    logging: false,
    context: ({ request }) => ({
      edge: deps.state,
      deadLetters: deps.deadLetters,
      token: request.headers.get('x-api-token'),
    }),
  });

  let runtime: ReturnType<typeof createGatewayRuntime> | null = null;
  let building: Promise<ReturnType<typeof createGatewayRuntime> | null> | null = null;

  const fetchCloudSdl = async (): Promise<string | null> => {
    const r = await deps.cloud.request('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(deps.edgeToken ? { 'x-api-token': deps.edgeToken } : {}),
      },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      timeoutMs: 5000,
    });
    if (r.ok && r.response.status === 200) {
      const sdl = (jsonBody(r.response) as { data?: { _service?: { sdl?: string } } } | null)?.data?._service
        ?.sdl;
      if (sdl) {
        await deps.kv.set(SDL_KEY, sdl).catch(() => undefined);
        return sdl;
      }
    }
    return deps.kv.get(SDL_KEY);
  };

  const build = async () => {
    const cloudSdl = await fetchCloudSdl();
    if (!cloudSdl) {
      deps.log.warn(
        'federated /graphql: the cloud schema is unknown (never reached); serving the edge subgraph only',
      );
      return null;
    }
    const composed = composeServices([
      { name: 'cloud', typeDefs: parse(cloudSdl), url: `${deps.cloudUrl}/graphql` },
      { name: 'edge', typeDefs: parse(edgeSubgraphSdl()), url: IN_PROCESS_EDGE_URL },
    ]);
    if (composed.errors?.length || !composed.supergraphSdl) {
      deps.log.error({ errors: composed.errors?.map((e) => e.message) }, 'supergraph composition failed');
      return null;
    }
    return createGatewayRuntime({
      supergraph: composed.supergraphSdl,
      logging: false,
      landingPage: false,
      graphiql: deps.graphiql,
      cors: false,
      plugins: () => [
        useCustomFetch((url, init) =>
          url.startsWith(IN_PROCESS_EDGE_URL)
            ? Promise.resolve(subgraphYoga.fetch(url, init as RequestInit))
            : fetch(url, init),
        ),
      ],
      propagateHeaders: {
        // The caller's own token, which the route has checked; without one the cloud refuses the request.
        fromClientToSubgraphs: ({ request }) => ({
          'x-api-token': request.headers.get('x-api-token') ?? undefined,
        }),
      },
    });
  };

  const serve = (server: FetchHandler, path?: string): GraphqlHandler => {
    return async (req, res, caller, extraHeaders) =>
      serveFetch(server, req, res, { path, caller, extraHeaders, maxBodyBytes: deps.maxBodyBytes });
  };

  return {
    subgraph: serve(subgraphYoga),
    gateway: async (req, res, caller, extraHeaders) => {
      if (!runtime) {
        building ??= build().finally(() => (building = null));
        runtime = await building;
      }
      // Without a supergraph, the edge subgraph answers: edge-only data rather than nothing.
      if (runtime) await serve(runtime)(req, res, caller, extraHeaders);
      else await serve(subgraphYoga, EDGE_SUBGRAPH_PATH)(req, res, caller, extraHeaders);
    },
    close: async () => {
      await runtime?.dispose();
    },
  };
}

/**
 * Hand a node request to a fetch-style server (yoga, the gateway runtime). The body is read first, within the
 * limit, so nothing depends on the server starting to read the stream in the same tick; the answer is
 * streamed back (SSE). Only the caller's checked token is passed on as `x-api-token`.
 */
async function serveFetch(
  server: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  opts: {
    path: string | undefined;
    caller: Caller;
    extraHeaders: Record<string, string>;
    maxBodyBytes: number;
  },
): Promise<void> {
  const method = req.method ?? 'GET';
  const body =
    method === 'GET' || method === 'HEAD' ? null : await readBody(req, { limit: opts.maxBodyBytes });
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  headers.set('x-api-token', opts.caller.token);
  const response = await server.fetch(
    new Request(`http://${req.headers.host ?? 'localhost'}${rewrite(req.url ?? '/', opts.path)}`, {
      method,
      headers,
      ...(body ? { body: new Uint8Array(body) } : {}),
    }),
  );
  const out: Record<string, string> = {};
  response.headers.forEach((v, k) => (out[k] = v));
  res.writeHead(response.status, { ...out, ...opts.extraHeaders });
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    res.write(value);
  }
  res.end();
}

function rewrite(url: string, path: string | undefined): string {
  if (path === undefined) return url;
  const q = url.indexOf('?');
  return q === -1 ? path : path + url.slice(q);
}
