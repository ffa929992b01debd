/**
 * `buildServer(deps)`: wires the edge gateway (state store, caches, services, workers, REST and GraphQL
 * routes) on one node:http server. No logic lives here; `main.ts` reads env, builds and listens, and the
 * integration tests build it on a free port.
 */
import http from 'node:http';
import { dirname, join } from 'node:path';
import { withRequestLog } from '@intellioptics/http';
import { createAlerts, type Alerts } from './alerts/alerts';
import { TokenService } from './auth/token.service';
import { HttpCloudClient, type CloudClient } from './cloud-client/cloud.client';
import { CloudStatus } from './cloud-client/cloud-status';
import type { Env } from './config/env';
import { EdgeConfigService } from './config/edge-config.service';
import { DetectorService } from './detectors/detector.service';
import { AnswerRefresher } from './escalation/answer-refresher';
import { DeadLetterService } from './escalation/dead-letters';
import { registerOutboxMetrics } from './escalation/outbox.metrics';
import { OutboxShedder } from './escalation/outbox.shedder';
import { OutboxSettler } from './escalation/outbox.settler';
import { OutboxWorker } from './escalation/outbox.worker';
import { SyncEscalator } from './escalation/sync-escalator';
import { createEdgeGraphState } from './graphql/edge-graph-state';
import { EDGE_SUBGRAPH_PATH, createEdgeGraphql } from './graphql/federation';
import { ReadinessService } from './health/readiness.service';
import { resourceStatus } from './health/resources';
import { HttpClient } from './http/http-client';
import { ImageQueryReadService } from './image-queries/image-query-read.service';
import { CompoundAnswerer } from './compound/compound-answerer';
import { CameraSync } from './cameras/camera-sync';
import { CloudZoneStore } from './cameras/camera-zones';
import { LatestFrames } from './cameras/latest-frames';
import { ImageQueryService } from './image-queries/image-query.service';
import { CircuitBreakingInferenceClient, breakerMetrics } from './inference-client/circuit-breaker';
import { HttpInferenceClient, type InferenceClient } from './inference-client/inference.client';
import type { Logger } from './logger';
import { DetectorActivityReader } from './metrics/detector-activity';
import { EdgeMetrics } from './metrics/metrics';
import { deadLetterReport } from './models/dead-letter-report';
import { ModelStore } from './models/model-store';
import { ModelUpdaterService } from './models/model-updater.service';
import { CloudForwarder } from './rest/cloud-forward';
import { CorsPolicy } from './rest/cors';
import { createRouter } from './rest/routes';
import { createWriteThrough } from './rest/write-through';
import { openEdgeStore, type EdgeStore } from './store/edge-store';
import { RetentionScheduler } from './store/retention.scheduler';
import { createImageQueryFrameSink } from './streams/image-query.frame-sink';
import { streamUrlProblems } from './streams/stream-url.env';
import { StreamManager } from './streams/stream.manager';

export interface ServerDeps {
  env: Env;
  log: Logger;
  /** Defaults to the HTTP clients for INFERENCE_URL / CLOUD_URL. */
  inference?: InferenceClient;
  cloud?: CloudClient;
  store?: EdgeStore;
  random?: () => number;
}

export interface EdgeGateway {
  server: http.Server;
  store: EdgeStore;
  config: EdgeConfigService;
  outbox: OutboxWorker;
  detectors: DetectorService;
  imageQueries: ImageQueryService;
  metrics: EdgeMetrics;
  /** Null when MODEL_UPDATES=0 or the edge has no token for the cloud. */
  models: ModelUpdaterService | null;
  /** Camera streams from edge-config.yaml; null without EDGE_API_TOKEN (frames escalate with it). */
  streams: StreamManager | null;
  /** Alert rules, their evaluation and the alert outbox. */
  alerts: Alerts;
  /** Start background work (config watch, outbox, refreshes, purge). */
  start(): Promise<void>;
  /** Listen on `port` (0 = any); resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Probes and scrapes log at debug when they succeed. */
const isProbe = (path: string) => path.startsWith('/health') || path === '/metrics' || path === '/ping';

export async function buildServer(deps: ServerDeps): Promise<EdgeGateway> {
  const { env, log } = deps;
  const store =
    deps.store ??
    (await openEdgeStore(env.paths.stateDir, env.state.durability, {
      tokenCacheMax: env.auth.tokenCacheMax,
      detectorCacheMax: env.detectors.cacheMax,
    }));
  const cloud = deps.cloud ?? new HttpCloudClient(env.cloud.url, env.cloud.edgeApiToken, env.cloud.timeoutMs);
  const cloudStatus = new CloudStatus();
  const metrics = new EdgeMetrics({ outboxDepth: () => store.pendingOutboxCount() });
  // A hung or failing inference service fails fast behind a breaker, with a bound on calls in flight.
  const breakerObserver = breakerMetrics(metrics.registry, () => inference);
  const inference = new CircuitBreakingInferenceClient(
    deps.inference ??
      new HttpInferenceClient(env.inference.url, env.inference.timeoutMs, env.inference.maxSockets),
    {
      failures: env.inference.breakerFailures,
      openMs: env.inference.breakerOpenMs,
      maxInFlight: env.inference.maxInFlight,
    },
    breakerObserver,
  );
  const modelStore = new ModelStore(env.paths.modelsDir);
  const config = new EdgeConfigService({
    file: env.paths.configFile,
    log,
    debounceMs: env.config.reloadDebounceMs,
    onReloadFailure: () => metrics.configReloadFailures.inc(),
    check: (c) => streamUrlProblems(c.streams, env.streams.urlEnvAllowlist),
  });
  // Zones drawn at the cloud, saved beside edge-config.yaml (pulled after each heartbeat).
  const cloudZones = new CloudZoneStore({
    file: join(dirname(env.paths.configFile), 'cloud-zones.json'),
    log,
  });
  await cloudZones.load();
  const latestFrames = new LatestFrames();
  const tokens = new TokenService({
    cloud,
    store: store.tokens,
    log,
    edgeToken: env.cloud.edgeApiToken,
    revalidateMs: env.auth.revalidateS * 1000,
    offlineTrustMs: env.auth.offlineTrustS * 1000,
    offlineUnknown: env.auth.offlineUnknownTokens,
    maxCached: env.auth.tokenCacheMax,
  });
  const detectors = new DetectorService({
    cloud,
    store: store.detectors,
    queriedDetectorIds: () => store.imageQueries.detectorIds(),
    log,
    refreshMs: env.detectors.refreshS * 1000,
    configured: () => config.config.detectors,
    maxCached: env.detectors.cacheMax,
  });
  const settler = new OutboxSettler({
    outbox: store.outbox,
    metrics,
    log,
    backoffMaxS: env.outbox.backoffMaxS,
    maxAttempts: env.outbox.maxAttempts,
  });
  const { shedTotal } = registerOutboxMetrics(metrics.registry, () => store.outbox.deadCount());
  const shedder = new OutboxShedder({
    outbox: store.outbox,
    shedTotal,
    log,
    maxBytes: env.outbox.maxPendingBytes,
    maxAgeMs: env.outbox.maxPendingAgeS * 1000,
  });
  const outbox = new OutboxWorker({
    outbox: store.outbox,
    images: store.images,
    settler,
    cloud,
    cloudStatus,
    metrics,
    log,
    idlePollMs: env.outbox.idlePollMs,
    sendTimeoutMs: env.outbox.sendTimeoutMs,
    shed: () => shedder.run(),
  });
  const refresher = new AnswerRefresher({
    imageQueries: store.imageQueries,
    cloud,
    log,
    intervalMs: env.outbox.iqRefreshIntervalS * 1000,
    onFinalAnswer: (iq) => alerts.engine.reviewed(iq),
  });
  const alerts = await createAlerts({
    env,
    db: store.db,
    images: store.images,
    servedIds: () => detectors.servedIds(),
    registry: metrics.registry,
    log,
  });
  const imageQueries = new ImageQueryService({
    imageQueries: store.imageQueries,
    explanations: store.explanations,
    inference,
    detectors,
    config,
    cloudStatus,
    escalator: new SyncEscalator({ cloud, cloudStatus, settler, outbox }),
    outbox,
    metrics,
    log,
    syncEscalationTimeoutMs: env.cloud.syncEscalationTimeoutMs,
    onAnswered: (iq) => alerts.engine.answered(iq),
    compounds: new CompoundAnswerer({ detectors, config, log, cloudZones }),
    ...(deps.random ? { random: deps.random } : {}),
  });
  const reader = new ImageQueryReadService({
    imageQueries: store.imageQueries,
    images: store.images,
    explanations: store.explanations,
    refresher,
  });
  const streams = env.cloud.edgeApiToken
    ? new StreamManager({
        sink: latestFrames.recording(
          createImageQueryFrameSink({ imageQueries, maxImagePixels: env.http.maxImagePixels }),
        ),
        log,
        registry: metrics.registry,
        envAllowlist: env.streams.urlEnvAllowlist,
      })
    : null;
  let stopStreamsWatch: (() => void) | null = null;
  await tokens.init();
  await detectors.init();

  const hubToken = env.hub.token ?? env.cloud.edgeApiToken;
  const cameras = hubToken
    ? new CameraSync({ cloud, config, frames: latestFrames, zones: cloudZones, token: hubToken, log })
    : null;
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
          deadLetters: () => deadLetterReport(store.outbox),
          ...(cameras ? { cameras: () => cameras.report(), afterHeartbeat: () => cameras.pull() } : {}),
          detectorGone: (id) => detectors.forget(id),
        })
      : null;

  const readiness = new ReadinessService({
    config,
    cloudStatus,
    models: modelStore,
    cloudModel: (id) => cloud.fetchModelUrls(id, hubToken),
    outboxPending: () => store.pendingOutboxCount(),
    streams: () => streams?.status() ?? [],
  });
  const retention = new RetentionScheduler({
    retention: store.retention,
    limits: {
      days: env.state.retentionDays,
      maxRows: env.state.retentionMaxRows,
      maxBytes: env.state.retentionMaxBytes,
    },
    intervalMs: env.state.purgeIntervalS * 1000,
    log,
  });

  const graphqlCloud = new HttpClient(env.cloud.url, { maxSockets: 4 });
  const graphql = createEdgeGraphql({
    deadLetters: new DeadLetterService({ outbox: store.outbox, tokens, wake: () => outbox.wake(), log }),
    state: createEdgeGraphState({
      hubName: env.hub.name,
      detectors,
      models,
      modelStore,
      activity: new DetectorActivityReader(metrics),
      outboxPending: () => store.pendingOutboxCount(),
      config,
      cloudStatus,
    }),
    cloud: graphqlCloud,
    cloudUrl: env.cloud.url,
    edgeToken: env.cloud.edgeApiToken,
    kv: store.kv,
    log,
    graphiql: env.graphql.graphiql,
    maxBodyBytes: env.graphql.maxBodyBytes,
  });

  // What the edge does not serve goes to the cloud as the caller (the rule nginx applies too).
  const forwarder = new CloudForwarder({ cloudUrl: env.cloud.url, maxBodyBytes: env.http.maxBodyBytes });
  const router = createRouter({
    imageQueries,
    reader,
    detectors,
    config,
    tokens,
    metrics,
    metricsToken: env.metrics.token,
    log,
    maxBodyBytes: env.http.maxBodyBytes,
    maxImagePixels: env.http.maxImagePixels,
    readiness: () => readiness.readiness(),
    detectorReadiness: () => readiness.detectors(),
    resources: () => resourceStatus({ models: modelStore, servedIds: () => detectors.servedIds() }),
    cors: new CorsPolicy(env.graphql.corsOrigins),
    graphql: { path: EDGE_SUBGRAPH_PATH, subgraph: graphql.subgraph, gateway: graphql.gateway },
    forwarder,
    writeThrough: createWriteThrough({
      detectors,
      models,
      reader,
      cloudGet: (path, token) => forwarder.getJson(path, token),
      log,
    }),
  });
  const server = http.createServer(
    { keepAliveTimeout: 65_000, requestTimeout: 30_000 },
    withRequestLog(router, log, { quiet: isProbe }),
  );
  server.on('clientError', (err, socket) => {
    log.debug({ err }, 'client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  return {
    server,
    store,
    config,
    outbox,
    detectors,
    imageQueries,
    metrics,
    models,
    streams,
    alerts,
    async start() {
      await config.start();
      if (streams) {
        await streams.apply(config.config.streams ?? {});
        stopStreamsWatch = config.onChange((c) => void streams.apply(c.streams ?? {}));
      } else if (Object.keys(config.config.streams ?? {}).length > 0) {
        log.warn('edge-config.yaml lists streams but EDGE_API_TOKEN is not set: cameras are not read');
      }
      outbox.start();
      await alerts.start();
      refresher.start();
      detectors.start();
      await models?.start();
      retention.start();
      readiness.markStarted(true);
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host ?? env.http.host, () => {
          server.off('error', reject);
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : port);
        });
      });
    },
    async close() {
      readiness.markStarted(false);
      retention.stop();
      stopStreamsWatch?.();
      await streams?.stop();
      config.stop();
      detectors.stop();
      refresher.stop();
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
      await alerts.stop();
      await store.close();
      inference.close();
      forwarder.close();
      if (cloud instanceof HttpCloudClient) cloud.close();
    },
  };
}
