/**
 * The Apollo client: queries and mutations over HTTP, subscriptions over graphql-ws, both to `/graphql` on
 * the page's origin (nginx or the dev/preview proxy routes it to cloud-graph). The API token travels as the
 * `x-api-token` header on HTTP and in the graphql-ws `connectionParams`.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { Kind, OperationTypeNode } from 'graphql';

export interface ApiClient {
  apollo: ApolloClient;
  ws: Client;
  dispose: () => void;
}

export type ConnectionState = 'connecting' | 'connected' | 'closed';

export function graphqlHttpUrl(): string {
  return new URL('/graphql', window.location.href).toString();
}

export function graphqlWsUrl(): string {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function createApiClient(token: string, onConnection?: (state: ConnectionState) => void): ApiClient {
  const ws = createClient({
    url: graphqlWsUrl(),
    connectionParams: { 'x-api-token': token },
    // Connected from sign-in on, so the header shows the real state and live data starts at once.
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => onConnection?.('connecting'),
      connected: () => onConnection?.('connected'),
      closed: () => onConnection?.('closed'),
    },
  });
  const http = new HttpLink({ uri: graphqlHttpUrl(), headers: { 'x-api-token': token } });
  const link = ApolloLink.split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === Kind.OPERATION_DEFINITION && def.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(ws),
    http,
  );
  const apollo = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        // Singletons and payloads without ids.
        Me: { keyFields: [] },
        ImageQueryResult: { keyFields: false },
        ServedDetector: { keyFields: false },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  return {
    apollo,
    ws,
    dispose() {
      void ws.dispose();
      apollo.stop();
    },
  };
}

/**
 * One GraphQL POST outside Apollo, with `keepalive` so it survives the page closing (releasing a claim in
 * `pagehide`). Returns whether the server accepted it.
 */
export async function postGraphQL(
  token: string,
  query: string,
  variables: Record<string, unknown>,
  keepalive = false,
): Promise<boolean> {
  try {
    const res = await fetch(graphqlHttpUrl(), {
      method: 'POST',
      keepalive,
      headers: { 'content-type': 'application/json', 'x-api-token': token },
      body: JSON.stringify({ query, variables }),
    });
    return res.ok;
  } catch {
    return false;
  }
}
