/**
 * `buildServer(deps)`: composes the edge gateway (state store, caches, services, REST routes) on one
 * node:http server. `main.ts` reads env, builds and listens; integration tests build it on a free port.
 */
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenService } from './auth/token.service';
import { HttpCloudClient, type CloudClient } from './cloud-client/cloud.client';
import { CloudStatus } from './cloud-client/cloud-status';
import type { Env } from './config/env';
import { EdgeConfigService } from './config/edge-config.service';
import { DetectorService } from './detectors/detector.service';
import { OutboxWorker } from './escalation/outbox.worker';
import { ImageQueryReadService } from './image-queries/image-query-read.service';
import { ImageQueryService } from './image-queries/image-query.service';
import { HttpInferenceClient, type InferenceClient } from './inference-client/inference.client';
import type { Logger } from './logger';
import { EdgeMetrics } from './metrics/metrics';
import { EDGE_SUBGRAPH_PATH, createEdgeGraphql } from './graphql/federation';
import type { EdgeGraphState } from './graphql/context';
import { HttpClient } from './http/http-client';
import { ModelUpdaterService } from './models/model-updater.service';
import { createRouter } from './rest/routes';
import { LibsqlStateStore, type StateStore } from './store/state.store';
import { createImageQueryFrameSink } from './streams/image-query.frame-sink';
import { StreamManager } from './streams/stream.manager';

export interface ServerDeps {
  env: Env;
  log: Logger;
  /** Defaults to the HTTP clients for INFERENCE_URL / CLOUD_URL. */
  inference?: InferenceClient;
  cloud?: CloudClient;
  store?: StateStore;
  random?: () => number;
}

export interface EdgeGateway {
  server: http.Server;
  store: StateStore;
  config: EdgeConfigService;
  outbox: OutboxWorker;
  detectors: DetectorService;
  metrics: EdgeMetrics;
  /** Null when MODEL_UPDATES=0 or the edge has no token for the cloud. */
  models: ModelUpdaterService | null;
  /** Camera streams from edge-config.yaml; null without EDGE_API_TOKEN (frames are submitted with it). */
  streams: StreamManager | null;
  /** Start background work (config watch, outbox, refreshes, purge). */
  start(): Promise<void>;
  /** Listen on `port` (0 = any); resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export async function buildServer(deps: ServerDeps): Promise<EdgeGateway> {
  const { env, log } = deps;
  const store = deps.store ?? (await LibsqlStateStore.open(env.paths.stateDir, env.state.durability));
  const inference =
    deps.inference ??
    new HttpInferenceClient(env.inference.url, env.inference.timeoutMs, env.inference.maxSockets);
  const cloud = deps.cloud ?? new HttpCloudClient(env.cloud.url, env.cloud.edgeApiToken, env.cloud.timeoutMs);
  const cloudStatus = new CloudStatus();
  const metrics = new EdgeMetrics({ outboxDepth: () => store.pendingOutboxCount() });
  const config = new EdgeConfigService({
    file: env.paths.configFile,
    log,
    debounceMs: env.config.reloadDebounceMs,
    onReloadFailure: () => metrics.configReloadFailures.inc(),
  });
  const tokens = new TokenService({
    cloud,
    store,
    log,
    edgeToken: env.cloud.edgeApiToken,
    revalidateMs: env.auth.revalidateS * 1000,
    offlineUnknown: env.auth.offlineUnknownTokens,
  });
  const detectors = new DetectorService({
    cloud,
    store,
    log,
    refreshMs: env.detectors.refreshS * 1000,
    configured: () => config.config.detectors,
  });
  const outbox = new OutboxWorker({
    store,
    cloud,
    cloudStatus,
    metrics,
    log,
    idlePollMs: env.outbox.idlePollMs,
    backoffMaxS: env.outbox.backoffMaxS,
    sendTimeoutMs: env.outbox.sendTimeoutMs,
    refreshIntervalMs: env.outbox.iqRefreshIntervalS * 1000,
  });
  const imageQueries = new ImageQueryService({
    store,
    inference,
    cloud,
    cloudStatus,
    detectors,
    config,
    tokens,
    outbox,
    metrics,
    log,
    maxImagePixels: env.http.maxImagePixels,
    syncEscalationTimeoutMs: env.cloud.syncEscalationTimeoutMs,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const reader = new ImageQueryReadService({ store, outbox });
  // Camera frames go through the same submit path as REST image queries, authorised with the edge's token.
  const streams = env.cloud.edgeApiToken
    ? new StreamManager({
        sink: createImageQueryFrameSink({ imageQueries, token: env.cloud.edgeApiToken }),
        log,
        registry: metrics.registry,
      })
    : null;
  let stopStreamsWatch: (() => void) | null = null;
  await tokens.init();
  await detectors.init();

  const hubToken = env.hub.token ?? env.cloud.edgeApiToken;
  const models =
    env.models.updates && hubToken
      ? new ModelUpdaterService({
          cloud,
          cloudUrl: env.cloud.url,
          token: hubToken,
          modelsDir: env.paths.modelsDir,
          log,
          metrics,
          detectorIds: () => detectors.servedIds(),
          refreshRateS: () => config.config.global_config.refresh_rate ?? env.models.pollFallbackS,
          heartbeatIntervalS: env.hub.heartbeatIntervalS,
          counters: async () => ({
            ...(await metrics.totals()),
            outbox_pending: store.pendingOutboxCount(),
          }),
        })
      : null;

  let started = false;
  const readiness = async () => {
    const problem = config.lastProblem;
    return {
      ready: started,
      detail: {
        config: problem ? { ok: false, failed_at: problem.at, errors: problem.errors } : { ok: true },
        outbox_pending: store.pendingOutboxCount(),
        cloud: cloudStatus.snapshot(),
        streams: streams?.status() ?? [],
      },
    };
  };
  const detectorReadiness = async () => {
    const out: Record<string, { ready: boolean }> = {};
    for (const id of Object.keys(config.config.detectors)) {
      out[id] = { ready: await hasModel(env.paths.modelsDir, id) };
    }
    return out;
  };

  const graphState: EdgeGraphState = {
    hubName: env.hub.name,
    detectorIds: () => detectors.servedIds(),
    detector: async (id) => {
      const served = models?.servedDetectors().find((s) => s.detectorId === id);
      const count = async (c: {
        get: () => Promise<{ values: { labels: Record<string, unknown>; value: number }[] }>;
      }) =>
        (await c.get()).values.filter((v) => v.labels.detector_id === id).reduce((a, v) => a + v.value, 0);
      const latency = (await metrics.answerLatency.get()).values;
      const sum = latency
        .filter((v) => String(v.metricName).endsWith('_sum'))
        .reduce((a, v) => a + v.value, 0);
      const n = latency
        .filter((v) => String(v.metricName).endsWith('_count'))
        .reduce((a, v) => a + v.value, 0);
      return {
        primaryVersion: served?.primaryVersion ?? null,
        ooddVersion: served?.ooddVersion ?? null,
        ready: await hasModel(env.paths.modelsDir, id),
        imageQueries: await count(metrics.imageQueries),
        escalations: await count(metrics.escalations),
        meanLatencyMs: n > 0 ? (sum / n) * 1000 : null,
      };
    },
    outboxPending: () => store.pendingOutboxCount(),
    configOk: () => config.lastProblem === null,
    cloudReachable: () => cloudStatus.reachable() !== false,
  };
  const graphqlCloud = new HttpClient(env.cloud.url, { maxSockets: 4 });
  let selfUrl = `http://127.0.0.1:${env.http.port}`;
  const graphql = createEdgeGraphql({
    state: graphState,
    cloud: graphqlCloud,
    cloudUrl: env.cloud.url,
    edgeToken: env.cloud.edgeApiToken,
    store,
    log,
    selfUrl: () => selfUrl,
  });

  const router = createRouter({
    imageQueries,
    reader,
    detectors,
    config,
    tokens,
    metrics,
    log,
    maxBodyBytes: env.http.maxBodyBytes,
    readiness,
    detectorReadiness,
    graphql: { path: EDGE_SUBGRAPH_PATH, subgraph: graphql.subgraph, gateway: graphql.gateway },
  });
  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000 }, router);
  server.on('clientError', (err, socket) => {
    log.debug({ err }, 'client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  let purgeTimer: NodeJS.Timeout | null = null;
  const purge = async () => {
    try {
      const r = await store.purge(Date.now(), {
        days: env.state.retentionDays,
        maxRows: env.state.retentionMaxRows,
        maxBytes: env.state.retentionMaxBytes,
      });
      if (r.imageQueries || r.outbox) log.info(r, 'retention purge');
    } catch (e) {
      log.error({ err: e }, 'retention purge failed');
    }
  };

  return {
    server,
    store,
    config,
    outbox,
    detectors,
    metrics,
    models,
    streams,
    async start() {
      await config.start();
      if (streams) {
        await streams.apply(config.config.streams ?? {});
        stopStreamsWatch = config.onChange((c) => void streams.apply(c.streams ?? {}));
      } else if (Object.keys(config.config.streams ?? {}).length > 0) {
        log.warn('edge-config.yaml lists streams but EDGE_API_TOKEN is not set: cameras are not read');
      }
      outbox.start();
      detectors.start();
      await models?.start();
      purgeTimer = setInterval(() => void purge(), Math.max(1000, env.state.purgeIntervalS * 1000));
      purgeTimer.unref();
      void purge();
      started = true;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host ?? env.http.host, () => {
          server.off('error', reject);
          const addr = server.address();
          const bound = typeof addr === 'object' && addr ? addr.port : port;
          selfUrl = `http://127.0.0.1:${bound}`;
          resolve(bound);
        });
      });
    },
    async close() {
      started = false;
      if (purgeTimer) clearInterval(purgeTimer);
      stopStreamsWatch?.();
      await streams?.stop();
      config.stop();
      detectors.stop();
      await models?.stop();
      await graphql.close();
      graphqlCloud.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, env.shutdownGraceMs).unref();
      });
      await outbox.stop();
      await store.close();
      inference.close();
      if (cloud instanceof HttpCloudClient) cloud.close();
    },
  };
}

async function hasModel(modelsDir: string, detectorId: string): Promise<boolean> {
  try {
    const versions = await readdir(join(modelsDir, detectorId, 'primary'));
    return versions.some((v) => /^\d+$/.test(v));
  } catch {
    return false;
  }
}
