/**
 * buildServer(deps): the inference service on node:http — API (POST /infer, /models, health, metrics) and a
 * health-only listener. Composition: ModelRegistry → DetectorSessionManager → withLruCache → routes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VisionEngine } from '@intellioptics/vision';
import { DEFAULT_PIPELINE_CONFIG, VisionEngine as Engine } from '@intellioptics/vision';
import type { Logger } from 'pino';
import type { InferenceConfig } from './config/env';
import { Router, requestIdOf, sendJson, sendProblem, splitUrl, withRequestLog } from '@intellioptics/http';
import { IntelliOpticsError, isIntelliOpticsError } from '@intellioptics/schema';
import { toCatalogueError } from './errors';
import { addHealthRoutes, type Readiness, type RouteHandler } from './http/health.route';
import { handleInfer, requestedDetectorIds, requestedSpec } from './http/infer.route';
import { BuiltinModels } from './builtin/builtin-models';
import { DetectorResolver } from './models/detector-resolver';
import { InferService } from './inference/infer.service';
import type { Metrics } from './metrics';
import { createMetrics } from './metrics';
import { BackboneBatcher } from './models/backbone-batcher';
import { DetectorSessionManager } from './models/detector-session.manager';
import { withLruCache } from './models/lru-session-cache';
import type { ModelManager } from './models/model-manager';
import { ModelRegistry } from './models/model-registry';
import { startModelWatcher } from './models/model-watcher';

export interface ServerDeps {
  config: InferenceConfig;
  logger: Logger;
  /** Creates the backbone engine; defaults to VisionEngine.create with the config's cache dir. */
  createEngine?: () => Promise<VisionEngine>;
}

export interface InferenceServer {
  api: http.Server;
  health: http.Server;
  metrics: Metrics;
  /** Resolves once the backbone is loaded and pinned detectors are preloaded. */
  ready: Promise<void>;
  readiness(): Readiness;
  /** Available after `ready`. */
  models(): ModelManager;
  /** Runs the background new-version check immediately (tests, admin). */
  checkModelsNow(): Promise<void>;
  listen(): Promise<{ apiPort: number; healthPort: number }>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), releases sessions. */
  close(): Promise<void>;
}

export function buildServer(deps: ServerDeps): InferenceServer {
  const { config, logger: log } = deps;
  const metrics = createMetrics();
  let engine: VisionEngine | null = null;
  let manager: ModelManager | null = null;
  let service: InferService | null = null;
  let watcher: ReturnType<typeof startModelWatcher> | null = null;
  const builtin = new BuiltinModels(
    { cacheDir: config.cacheDir, intraOpNumThreads: config.vision.intraOpThreads || undefined },
    log,
  );
  let notReadyReason = 'loading the backbone';
  let closing = false;

  const createEngine =
    deps.createEngine ??
    (() =>
      Engine.create({
        cacheDir: config.cacheDir,
        intraOpNumThreads: config.vision.intraOpThreads || undefined,
        pipeline: DEFAULT_PIPELINE_CONFIG,
      }));

  const ready = (async () => {
    const t0 = performance.now();
    engine = await createEngine();
    const inner = new DetectorSessionManager(new ModelRegistry(config.modelsDir), engine, log, metrics);
    manager = withLruCache(inner, { max: config.models.maxLoaded, pinned: config.models.pinned });
    const batcher = new BackboneBatcher(engine, config.vision.maxBatch, (n) =>
      metrics.backboneBatch.observe(n),
    );
    const resolver = new DetectorResolver(manager, config.modelsDir, config.models.pollMs, log);
    service = new InferService(engine, resolver, builtin, batcher, metrics, config.vision.maxInputPixels);
    for (const id of config.models.pinned) {
      await manager
        .get(id)
        .catch((err: unknown) =>
          log.warn({ detectorId: id, err: (err as Error).message }, 'pinned detector not loadable yet'),
        );
    }
    // Preloading makes the first COUNT/BOX/TEXT answer as fast as the rest (containers: docker/README.md).
    if (config.preloadBuiltin.coco) await builtin.objectDetector();
    if (config.preloadBuiltin.ocr) await builtin.textReader();
    watcher = startModelWatcher(manager, config.models.pollMs, log);
    log.info({ backbone: engine.backbone.id, ms: Math.round(performance.now() - t0) }, 'inference ready');
  })();
  ready.catch((err: unknown) => {
    notReadyReason = `backbone failed to load: ${(err as Error).message}`;
    log.error({ err }, 'backbone failed to load');
  });

  const readiness = (): Readiness => ({
    ready: service !== null && !closing,
    detail: closing ? 'shutting down' : service ? 'serving' : notReadyReason,
    backbone: engine?.backbone.id ?? null,
  });

  const recordRequest = (ids: string[], status: number, started: number): void => {
    const seconds = (performance.now() - started) / 1000;
    for (const id of ids.length ? ids : ['none']) {
      // Label only loaded detectors by name, so random ids cannot blow up metric cardinality.
      const label = id === 'none' || manager?.peek(id) ? id : 'unknown';
      metrics.requests.inc({ detector: label, status: String(status) });
      metrics.requestDuration.observe({ detector: label }, seconds);
    }
  };

  // /infer records its own request metrics (per detector, including failures); see `serve`.
  const inferIds = new WeakMap<http.IncomingMessage, string[]>();
  const apiRoutes = addHealthRoutes(new Router<RouteHandler>(), readiness, metrics.registry)
    .add('POST', '/infer', async (req, res) => {
      const started = performance.now();
      const query = splitUrl(req.url).query;
      const ids = requestedDetectorIds(req, query);
      inferIds.set(req, ids);
      const spec = requestedSpec(req, query, ids);
      if (!service) {
        req.resume();
        throw new IntelliOpticsError('NOT_READY', `Not ready: ${readiness().detail}.`);
      }
      await handleInfer(req, res, ids, spec, service, config.http.maxBodyBytes, started);
      recordRequest(ids, 200, started);
    })
    .add('GET', '/models', async (_req, res) => {
      const m = manager;
      sendJson(res, 200, {
        builtin: builtin.loaded(),
        loaded: (m?.loadedIds() ?? []).map((id) => {
          const d = m!.peek(id)!;
          return {
            detector_id: id,
            pinned: config.models.pinned.includes(id),
            primary: { version: d.primary.version, model_id: d.primary.modelId },
            oodd: d.oodd ? { version: d.oodd.version, model_id: d.oodd.modelId } : null,
          };
        }),
      });
    });
  const healthRoutes = addHealthRoutes(new Router<RouteHandler>(), readiness, metrics.registry);

  /** One request through `router`; every failure becomes a catalogue problem (uncoded ones are logged). */
  const serve = async (
    router: Router<RouteHandler>,
    notFound: (path: string, method: string) => string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> => {
    const started = performance.now();
    const { path, query } = splitUrl(req.url);
    try {
      const route = router.match(req.method ?? 'GET', path);
      if (!route) {
        req.resume();
        throw new IntelliOpticsError('NOT_FOUND', notFound(path, req.method ?? ''));
      }
      await route.handler(req, res);
    } catch (raw) {
      const err = toCatalogueError(raw);
      if (!isIntelliOpticsError(err))
        log.error({ err, path, requestId: requestIdOf(req) }, 'unexpected error');
      const status = sendProblem(res, err);
      if (path === '/infer') {
        const ids = inferIds.get(req) ?? query.getAll('detector_id').slice(0, 1);
        recordRequest(ids, status, started);
      }
    }
  };

  const api = http.createServer(
    { keepAlive: true },
    withRequestLog(
      (req, res) => void serve(apiRoutes, (path, method) => `No route ${method} ${path}.`, req, res),
      log,
    ),
  );
  api.keepAliveTimeout = 65_000;
  api.headersTimeout = 66_000;
  const health = http.createServer(
    withRequestLog(
      (req, res) =>
        void serve(
          healthRoutes,
          () => 'Health port serves /health/live, /health/ready and /metrics.',
          req,
          res,
        ),
      log,
      { quiet: () => true },
    ),
  );

  const listenOn = (server: http.Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, config.http.host, () => resolve((server.address() as AddressInfo).port));
    });

  const closeServer = (server: http.Server): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeIdleConnections();
    });

  return {
    api,
    health,
    metrics,
    ready,
    readiness,
    models: () => {
      if (!manager) throw new Error('not ready');
      return manager;
    },
    checkModelsNow: () => watcher?.checkNow() ?? Promise.resolve(),
    async listen() {
      const apiPort = await listenOn(api, config.http.port);
      const healthPort = await listenOn(health, config.http.healthPort);
      log.info({ apiPort, healthPort }, 'inference listening');
      return { apiPort, healthPort };
    },
    async close() {
      closing = true;
      watcher?.stop();
      const grace = setTimeout(() => {
        api.closeAllConnections();
        health.closeAllConnections();
      }, config.http.shutdownGraceMs);
      grace.unref();
      await Promise.all([closeServer(api), closeServer(health)]);
      clearTimeout(grace);
      await ready.catch(() => undefined);
      for (const id of manager?.loadedIds() ?? []) manager?.unload(id, 'shutdown');
      await engine?.release();
      await builtin.release();
    },
  };
}
