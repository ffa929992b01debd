/**
 * The edge's federated `/graphql`: a Hive Gateway runtime over two subgraphs — the cloud (CLOUD_URL/graphql)
 * and this edge's own subgraph (served by yoga on this server at /graphql/edge). The supergraph is composed
 * here with @theguild/federation-composition; the cloud's SDL is fetched (`_service { sdl }`) and cached in
 * the state store, so an edge that starts offline still composes. While the cloud is unreachable, queries get
 * the edge's fields and an error entry for the cloud's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { HttpClient } from '../http/http-client';
import { jsonBody } from '../http/http-client';
import type { Logger } from '../logger';
import type { StateStore } from '../store/state.store';
import type { EdgeGraphContext, EdgeGraphState } from './context';
import { edgeSubgraphSchema, edgeSubgraphSdl } from './schema';

export const EDGE_SUBGRAPH_PATH = '/graphql/edge';
const SDL_KEY = 'cloud_subgraph_sdl';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function rewrite(url: string, path: string | undefined): string {
  if (path === undefined) return url;
  const q = url.indexOf('?');
  return q === -1 ? path : path + url.slice(q);
}

interface FetchHandler {
  fetch: (request: Request) => Response | Promise<Response>;
}

/**
 * Hand a node request to a fetch-style server (yoga, the gateway runtime). The body is read first, so nothing
 * depends on the server starting to read the stream in the same tick; the answer is streamed back (SSE).
 */
async function serveFetch(
  server: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  path?: string,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  const method = req.method ?? 'GET';
  const response = await server.fetch(
    new Request(`http://${req.headers.host ?? 'localhost'}${rewrite(req.url ?? '/', path)}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    }),
  );
  const out: Record<string, string> = {};
  response.headers.forEach((v, k) => (out[k] = v));
  res.writeHead(response.status, out);
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

export function createEdgeGraphql(deps: {
  state: EdgeGraphState;
  cloud: HttpClient;
  cloudUrl: string;
  edgeToken: string | null;
  store: StateStore;
  log: Logger;
  selfUrl: () => string;
}): { subgraph: Handler; gateway: Handler; close: () => Promise<void> } {
  const subgraphYoga = createYoga<Record<string, unknown>, EdgeGraphContext>({
    schema: edgeSubgraphSchema(),
    graphqlEndpoint: EDGE_SUBGRAPH_PATH,
    landingPage: false,
    logging: false,
    context: () => ({ edge: deps.state }),
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
        await deps.store.setKv(SDL_KEY, sdl).catch(() => undefined);
        return sdl;
      }
    }
    return deps.store.getKv(SDL_KEY);
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
      { name: 'edge', typeDefs: parse(edgeSubgraphSdl()), url: `${deps.selfUrl()}${EDGE_SUBGRAPH_PATH}` },
    ]);
    if (composed.errors?.length || !composed.supergraphSdl) {
      deps.log.error({ errors: composed.errors?.map((e) => e.message) }, 'supergraph composition failed');
      return null;
    }
    return createGatewayRuntime({
      supergraph: composed.supergraphSdl,
      logging: false,
      propagateHeaders: {
        fromClientToSubgraphs: ({ request }) => ({
          'x-api-token': request.headers.get('x-api-token') ?? deps.edgeToken ?? undefined,
        }),
      },
    });
  };

  return {
    subgraph: (req, res) => serveFetch(subgraphYoga, req, res),
    gateway: async (req, res) => {
      if (!runtime) {
        building ??= build().finally(() => (building = null));
        runtime = await building;
      }
      // Without a supergraph, the edge subgraph answers: edge-only data rather than nothing.
      if (runtime) await serveFetch(runtime, req, res);
      else await serveFetch(subgraphYoga, req, res, EDGE_SUBGRAPH_PATH);
    },
    close: async () => {
      await runtime?.dispose();
    },
  };
}
