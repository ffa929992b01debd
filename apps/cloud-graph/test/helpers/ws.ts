/** A graphql-ws subscription that collects events until told to stop. */
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';

export interface Collected<T> {
  events: T[];
  next(timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function subscribeWs<T>(
  baseUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Collected<T>> {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-token': token },
    retryAttempts: 0,
  });
  const events: T[] = [];
  const waiters: ((v: T) => void)[] = [];
  let failure: unknown = null;
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('closed', (e) => reject(new Error(`closed ${(e as { code?: number }).code}`)));
    client.subscribe<T>(
      { query, variables },
      {
        next: (v) => {
          if (v.errors) failure = v.errors;
          const data = v.data as T;
          const w = waiters.shift();
          if (w) w(data);
          else events.push(data);
        },
        error: (e) => {
          failure = e;
        },
        complete: () => undefined,
      },
    );
  });
  // The subscription is registered on the server shortly after the connection ack.
  await new Promise((r) => setTimeout(r, 150));
  return {
    events,
    next(timeoutMs = 5000) {
      if (failure) return Promise.reject(new Error(JSON.stringify(failure)));
      const queued = events.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no event in time')), timeoutMs);
        waiters.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
      });
    },
    stop: () => client.dispose() as Promise<void>,
  };
}
