/**
 * Typed pub/sub over the topic map in libs/schema (`PubSubTopics`). In memory by default; with REDIS_URL the
 * events go through Redis so every replica's subscribers see every replica's events.
 */
import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { PubSubTopics } from '@intellioptics/schema';

export type AppPubSub = PubSub<PubSubTopics>;

export interface PubSubHandle {
  pubsub: AppPubSub;
  close(): Promise<void>;
}

export async function createAppPubSub(redisUrl: string | null): Promise<PubSubHandle> {
  if (!redisUrl) {
    // One listener per subscription: thousands of review UIs are normal, not a leak.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubsub: createPubSub<PubSubTopics>({ eventTarget }), close: async () => {} };
  }
  const publishClient = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // The subscriber must not send INFO after SUBSCRIBE: ioredis's ready check would race the subscription.
  const subscribeClient = new Redis(redisUrl, { lazyConnect: true, enableReadyCheck: false });
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<PubSubTopics>({ eventTarget }),
    async close() {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
