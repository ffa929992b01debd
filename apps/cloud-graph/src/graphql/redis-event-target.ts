/**
 * The pub/sub event target over Redis, built to survive Redis going away: every client error is logged (an
 * unhandled 'error' event or rejected command would kill the process), ioredis reconnects and re-subscribes
 * by itself, and while the publish connection is not ready an event is delivered to this replica's own
 * subscribers instead (other replicas miss it; their review queues catch up on their next list).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../ops/logger';

type Listener = (event: CustomEvent) => void;

export interface ResilientEventTarget {
  addEventListener(topic: string, listener: Listener | { handleEvent: Listener } | null): void;
  removeEventListener(topic: string, listener: Listener | { handleEvent: Listener } | null): void;
  dispatchEvent(event: CustomEvent): boolean;
}

export function createResilientRedisEventTarget(args: {
  publishClient: Redis;
  subscribeClient: Redis;
  logger: Logger;
  onFallback?: () => void;
}): ResilientEventTarget {
  const { publishClient, subscribeClient, logger } = args;
  const listeners = new Map<string, Set<Listener>>();
  watch(publishClient, 'publish', logger);
  watch(subscribeClient, 'subscribe', logger);

  const deliver = (topic: string, detail: unknown) => {
    const event = new CustomEvent(topic, { detail });
    for (const l of listeners.get(topic) ?? []) l(event);
  };
  subscribeClient.on('message', (channel: string, message: string) => {
    try {
      deliver(channel, message === '' ? null : (JSON.parse(message) as unknown));
    } catch (err) {
      logger.warn({ err, channel }, 'unreadable pub/sub message dropped');
    }
  });
  const fallback = (topic: string, detail: unknown) => {
    args.onFallback?.();
    deliver(topic, detail);
  };
  const fn = (l: Listener | { handleEvent: Listener }): Listener => ('handleEvent' in l ? l.handleEvent : l);

  return {
    addEventListener(topic, listener) {
      if (!listener) return;
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
        subscribeClient.subscribe(topic).catch((err: unknown) => {
          logger.warn({ err, topic }, 'Redis SUBSCRIBE failed; it is retried when Redis reconnects');
        });
      }
      set.add(fn(listener));
    },
    removeEventListener(topic, listener) {
      const set = listeners.get(topic);
      if (!listener || !set) return;
      set.delete(fn(listener));
      if (set.size > 0) return;
      listeners.delete(topic);
      subscribeClient.unsubscribe(topic).catch(() => undefined);
    },
    dispatchEvent(event) {
      const detail: unknown = event.detail;
      if (publishClient.status !== 'ready') {
        fallback(event.type, detail);
        return true;
      }
      publishClient
        .publish(event.type, detail === undefined ? '' : JSON.stringify(detail))
        .catch((err: unknown) => {
          logger.warn({ err, topic: event.type }, 'Redis PUBLISH failed; delivered to this replica only');
          fallback(event.type, detail);
        });
      return true;
    },
  };
}

/** Logs a client's errors once per outage (not once per reconnect attempt) and its recovery. */
function watch(client: Redis, role: string, logger: Logger): void {
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn(
      { err: err.message, role },
      'Redis unreachable; events stay in this replica until it is back',
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ role }, 'Redis reachable again');
  });
}
