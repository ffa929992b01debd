/**
 * The edge's alerts, composed: the rule cache and its sync from the cloud, the engine that evaluates the
 * rules on each answer and on the clock, the durable outbox and its delivery worker (webhooks, MQTT, the
 * cloud's `alertFired`). server.ts builds one and hands `engine.answered` to ImageQueryService.
 */
import type { Registry } from 'prom-client';
import type { Env } from '../config/env';
import { HttpClient } from '../http/http-client';
import type { Logger } from '../logger';
import type { EdgeDatabase } from '../store/edge-database';
import type { ImageRepository } from '../store/image.repository';
import { AlertDeliveryWorker } from './alert.delivery';
import { AlertEngine } from './alert.engine';
import { registerAlertMetrics } from './alert.metrics';
import { AlertMqtt } from './alert.mqtt';
import { AlertOutbox } from './alert.outbox';
import { AlertRuleStore } from './alert-rule.store';
import { AlertRuleSync } from './alert-rule.sync';

const PRUNE_INTERVAL_MS = 3_600_000;

export interface Alerts {
  engine: AlertEngine;
  outbox: AlertOutbox;
  rules: AlertRuleStore;
  sync: AlertRuleSync | null;
  mqtt: AlertMqtt | null;
  delivery: AlertDeliveryWorker;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createAlerts(deps: {
  env: Env;
  db: EdgeDatabase;
  images: Pick<ImageRepository, 'forImageQuery'>;
  /** The detectors whose rules the edge fetches. */
  servedIds: () => string[];
  /** The server's Prometheus registry (alert series on /metrics). */
  registry?: Registry;
  log: Logger;
}): Promise<Alerts> {
  const { env, log } = deps;
  const rules = new AlertRuleStore(deps.db);
  await rules.load();
  const outbox = new AlertOutbox(deps.db);
  const metrics = deps.registry ? registerAlertMetrics(deps.registry, outbox) : undefined;
  const token = env.hub.token ?? env.cloud.edgeApiToken;
  const cloudHttp = token ? new HttpClient(env.cloud.url, { maxSockets: 4 }) : null;
  const webhooks = new HttpClient('http://127.0.0.1', { maxSockets: 16 });
  const mqtt = env.alerts.mqtt ? new AlertMqtt(env.alerts.mqtt, env.hub.name, log) : null;
  if (!env.alerts.webhookSecret)
    log.info('ALERT_WEBHOOK_SECRET is not set: alert webhooks are sent unsigned');
  const delivery = new AlertDeliveryWorker({
    outbox,
    http: webhooks,
    cloud: cloudHttp && token ? { http: cloudHttp, token } : null,
    mqtt,
    webhookSecret: env.alerts.webhookSecret,
    retryMaxS: env.alerts.retryMaxS,
    maxAttempts: env.alerts.maxAttempts,
    log,
    ...(metrics ? { metrics } : {}),
  });
  const engine = new AlertEngine({
    rules,
    outbox,
    db: deps.db,
    images: deps.images,
    mqttTopicPrefix: env.alerts.mqtt?.topicPrefix ?? null,
    reportToCloud: token !== null,
    source: env.hub.name,
    onEnqueued: () => delivery.wake(),
    log,
    ...(metrics ? { metrics } : {}),
  });
  const announce = () =>
    mqtt?.announce(
      rules.detectorIds().map((id) => ({ id, name: rules.forDetector(id)[0]?.detector_name ?? id })),
    );
  const sync =
    cloudHttp && token
      ? new AlertRuleSync({
          http: cloudHttp,
          token,
          store: rules,
          detectorIds: deps.servedIds,
          onChange: async () => {
            await engine.rulesChanged();
            await announce();
          },
          intervalMs: env.alerts.rulesRefreshS * 1000,
          timeoutMs: env.cloud.timeoutMs,
          log,
        })
      : null;
  // The delivered and dead rows are the edge's alert log, kept as long as its image queries (RETENTION_DAYS).
  const prune = () =>
    void outbox
      .prune(Date.now() - env.state.retentionDays * 86_400_000)
      .catch((err: unknown) => log.warn({ err }, 'alert log prune failed'));
  let pruner: NodeJS.Timeout | null = null;
  return {
    engine,
    outbox,
    rules,
    sync,
    mqtt,
    delivery,
    async start() {
      await engine.start();
      delivery.start();
      sync?.start();
      prune();
      pruner = setInterval(prune, PRUNE_INTERVAL_MS);
      pruner.unref();
      await announce();
    },
    async stop() {
      if (pruner) clearInterval(pruner);
      await sync?.stop();
      await engine.stop();
      await delivery.stop();
      await mqtt?.close();
      cloudHttp?.close();
      webhooks.close();
    },
  };
}
