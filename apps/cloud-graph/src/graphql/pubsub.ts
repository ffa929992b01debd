/**
 * Typed pub/sub over the topic map in libs/schema (`PubSubTopics`). In memory by default; with REDIS_URL the
 * events go through Redis so every replica's subscribers see every replica's events, and an outage of Redis
 * degrades to this replica's own subscribers (redis-event-target.ts) instead of stopping the process.
 */
import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { PubSubTopics } from '@intellioptics/schema';
import type { Logger } from '../ops/logger';
import { createResilientRedisEventTarget } from './redis-event-target';

export type AppPubSub = PubSub<PubSubTopics>;

export interface PubSubHandle {
  pubsub: AppPubSub;
  close(): Promise<void>;
}

/** How long startup waits for Redis before it goes on degraded (events local until Redis answers). */
const CONNECT_WAIT_MS = 3000;

export async function createAppPubSub(
  redisUrl: string | null,
  logger: Logger,
  opts: { onFallback?: () => void } = {},
): Promise<PubSubHandle> {
  if (!redisUrl) {
    // One listener per subscription: thousands of review UIs are normal, not a leak.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubsub: createPubSub<PubSubTopics>({ eventTarget }), close: async () => {} };
  }
  // Reconnect forever (capped at 2 s between attempts); a command waits for a reconnect at most one retry.
  const retryStrategy = (attempt: number) => Math.min(200 * attempt, 2000);
  const publishClient = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy });
  // The subscriber must not send INFO after SUBSCRIBE (ioredis ready-check race).
  const subscribeClient = new Redis(redisUrl, { lazyConnect: true, enableReadyCheck: false, retryStrategy });
  const eventTarget = createResilientRedisEventTarget({ publishClient, subscribeClient, logger, ...opts });
  const connected = Promise.all([publishClient.connect(), subscribeClient.connect()]);
  const outcome = await Promise.race([
    connected.then(() => 'ready' as const),
    new Promise<'slow'>((r) => setTimeout(() => r('slow'), CONNECT_WAIT_MS).unref()),
  ]).catch(() => 'down' as const);
  if (outcome !== 'ready') {
    connected.catch(() => undefined);
    logger.warn(
      { redis: outcome },
      'Redis is not reachable at startup; starting with events local to this replica',
    );
  }
  return {
    pubsub: createPubSub<PubSubTopics>({ eventTarget }),
    async close() {
      // QUIT waits for an answer; a client that is not connected is simply dropped.
      await Promise.allSettled(
        [publishClient, subscribeClient].map(async (c) => {
          if (c.status === 'ready') await c.quit();
          else c.disconnect();
        }),
      );
    },
  };
}
