/**
 * Keeps `$IO_HOME/models/<detector>/{primary,oodd}/<N>/` in step with the versions published in the cloud.
 * Two triggers: a graphql-ws subscription to `modelVersionPublished(detectorIds)` (pushes, reconnecting with
 * backoff; a reconnect re-checks everything in case a push was missed) and a poll of
 * `GET /edge-api/v1/fetch-model-urls/{detector}/` every `refresh_rate` seconds. An update downloads the
 * package through its signed URL, verifies its sha256, unpacks it into a temp folder and renames it into place
 * (the inference service watches the folder and swaps versions without dropping a request), then keeps the
 * newest 2 versions. A package that fails any check is refused and the previous version keeps serving.
 * Every install carries the from_cloud.json marker (libs/schema CLOUD_INSTALL_MARKER); pruning and the removal
 * of a deleted or reset detector's models touch only marked folders, so an operator's packages stay.
 * It also reports heartbeats to the cloud with the hub token: every detector it serves (with the versions it
 * holds, null before a first model), its counters, the answer latency since the previous heartbeat, and its
 * dead letters (count and the newest few), and its camera streams when given (then pulls the zones drawn at the
 * cloud: cameras/camera-sync.ts).
 */
import type { DeadLetterReport } from './dead-letter-report';
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { CLOUD_INSTALL_MARKER, PACKAGE_FILES, type ModelKind } from '@intellioptics/schema';
import type { CloudClient, HubCameraReport } from '../cloud-client/cloud.client';
import type { Logger } from '../logger';
import type { EdgeMetrics } from '../metrics/metrics';
import { MODEL_KINDS, ModelStore } from './model-store';
import { unpackModelPackage } from './package-archive';
import { latencyBetween, snapshotOf, type HistogramSnapshot } from './latency-window';

export interface ServedModel {
  version: number;
  modelId: string;
}

export interface ServedDetector {
  detectorId: string;
  primaryVersion: number | null;
  ooddVersion: number | null;
}

const KEEP_VERSIONS = 2;

const SUBSCRIPTION = `subscription ModelVersionPublished($ids: [ID!]) {
  modelVersionPublished(detectorIds: $ids) { detectorId kind version modelVersionId sha256 }
}`;

interface CloudModelMeta {
  id?: string;
  version?: number;
  sha256?: string;
  /** The package's own predictor_metadata.json (libs/vision format), when the blob is a bare model.buf. */
  predictor_metadata?: Record<string, unknown>;
  pipeline_config?: string;
}

export class ModelUpdaterService {
  private readonly served = new Map<string, Partial<Record<ModelKind, ServedModel>>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private ws: WsClient | null = null;
  private unsubscribe: (() => void) | null = null;
  private subscribedTo = '';
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastPollAt = 0;
  private stopped = false;
  private readonly store: ModelStore;
  /** The latency histogram as of the last heartbeat the cloud took (the next one reports what came after). */
  private latencyReported: HistogramSnapshot | null = null;

  constructor(
    private readonly deps: {
      cloud: Pick<CloudClient, 'fetchModelUrls' | 'download' | 'hubHeartbeat'>;
      cloudUrl: string;
      token: string;
      modelsDir: string;
      log: Logger;
      metrics: Pick<EdgeMetrics, 'modelInstalls' | 'modelInstallFailures' | 'answerLatency'>;
      detectorIds: () => string[];
      refreshRateS: () => number;
      heartbeatIntervalS: number;
      counters: () => Promise<Record<string, number>>;
      /** The dead-letter list's count and newest items (dead-letter-report.ts); absent: not reported. */
      deadLetters?: () => Promise<DeadLetterReport>;
      /** The camera streams to report (cameras/camera-sync.ts); absent: not reported. */
      cameras?: () => Promise<HubCameraReport[]>;
      /** Runs after each heartbeat the cloud took (the camera zones are pulled then). */
      afterHeartbeat?: () => Promise<unknown>;
      /**
       * fetch-model-urls answered 404: the edge drops its description of the detector (DetectorService.forget),
       * so the next query asks the cloud again and gets DETECTOR_NOT_FOUND for one deleted at the cloud.
       */
      detectorGone?: (detectorId: string) => Promise<void>;
    },
  ) {
    this.store = new ModelStore(deps.modelsDir);
  }

  async start(): Promise<void> {
    await this.scanInstalled();
    this.connect();
    this.pollTimer = setInterval(() => this.tick(), 1000);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(
      () => void this.heartbeat(),
      Math.max(1, this.deps.heartbeatIntervalS) * 1000,
    );
    this.heartbeatTimer.unref();
    this.tick();
    void this.heartbeat();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.unsubscribe?.();
    await this.ws?.dispose();
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Every detector this edge serves, in the cloud's version numbers: installed models, and the detectors it
   * answers without one yet (null versions), so the fleet page lists them all.
   */
  servedDetectors(): ServedDetector[] {
    const ids = [...new Set([...this.served.keys(), ...this.deps.detectorIds()])];
    return ids.map((detectorId) => {
      const s = this.served.get(detectorId);
      return {
        detectorId,
        primaryVersion: s?.primary?.version ?? null,
        ooddVersion: s?.oodd?.version ?? null,
      };
    });
  }

  /** Poll when refresh_rate elapsed; (re)subscribe when the served detector set changed. */
  private tick(): void {
    if (this.stopped) return;
    const ids = this.deps.detectorIds();
    const key = [...ids].sort().join(',');
    if (key !== this.subscribedTo) {
      // A detector new to this edge may have had its model published before the subscription covered it.
      const before = new Set(this.subscribedTo.split(','));
      if (this.subscribedTo !== '') for (const id of ids) if (!before.has(id)) void this.trigger(id);
      this.subscribe(ids, key);
    }
    if (Date.now() - this.lastPollAt >= this.deps.refreshRateS() * 1000) {
      this.lastPollAt = Date.now();
      for (const id of ids) void this.trigger(id);
    }
  }

  private connect(): void {
    const url = `${this.deps.cloudUrl.replace(/^http/, 'ws')}/graphql`;
    this.ws = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { 'x-api-token': this.deps.token },
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      shouldRetry: () => !this.stopped,
      retryWait: async (retries) => {
        const s = Math.min(30, 0.5 * 2 ** retries) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, s * 1000));
      },
      on: {
        connected: () => {
          this.deps.log.info({ url }, 'model updates: subscribed to the cloud');
          // A push may have been missed while disconnected: check every detector now.
          for (const id of this.deps.detectorIds()) void this.trigger(id);
        },
        closed: () => this.deps.log.debug('model updates: graphql-ws closed'),
      },
    });
  }

  private subscribe(ids: string[], key: string): void {
    this.unsubscribe?.();
    this.subscribedTo = key;
    if (!this.ws || ids.length === 0) {
      this.unsubscribe = null;
      return;
    }
    this.unsubscribe = this.ws.subscribe<{ modelVersionPublished: { detectorId: string; kind: string } }>(
      { query: SUBSCRIPTION, variables: { ids } },
      {
        next: (msg) => {
          const e = msg.data?.modelVersionPublished;
          if (e) {
            this.deps.log.info({ detectorId: e.detectorId, kind: e.kind }, 'model version published');
            void this.trigger(e.detectorId);
          }
        },
        error: (err) => {
          this.deps.log.warn({ err }, 'model update subscription failed; polling continues');
          this.subscribedTo = '';
        },
        complete: () => undefined,
      },
    );
  }

  /** Check one detector now (one check per detector at a time; a trigger during a check re-runs it). */
  trigger(detectorId: string): Promise<void> {
    const current = this.running.get(detectorId);
    if (current) {
      this.again.add(detectorId);
      return current;
    }
    const run = (async () => {
      do {
        this.again.delete(detectorId);
        try {
          await this.check(detectorId);
        } catch (e) {
          this.deps.log.warn({ err: e, detectorId }, 'model update check failed');
        }
      } while (this.again.has(detectorId) && !this.stopped);
    })().finally(() => this.running.delete(detectorId));
    this.running.set(detectorId, run);
    return run;
  }

  private async check(detectorId: string): Promise<void> {
    const info = await this.deps.cloud.fetchModelUrls(detectorId, this.deps.token);
    if (info.kind === 'not_found') {
      // Deleted in the cloud (or no longer assigned to this hub): its cloud models go, it is no longer reported
      // as served, and its cached description goes (a detector that still exists is fetched again on use).
      await this.dropCloudModels(detectorId, 'detector unknown to the cloud');
      await this.deps.detectorGone?.(detectorId);
      return;
    }
    if (info.kind !== 'ok') {
      this.deps.log.debug({ detectorId, result: info.kind }, 'fetch-model-urls failed');
      return;
    }
    let meta: { primary?: CloudModelMeta | null; oodd?: CloudModelMeta | null } = {};
    try {
      meta = info.value.predictor_metadata ? (JSON.parse(info.value.predictor_metadata) as typeof meta) : {};
    } catch {
      meta = {};
    }
    const wanted: Record<ModelKind, { id: string | null; url: string | null; meta: CloudModelMeta | null }> =
      {
        primary: {
          id: info.value.model_binary_id,
          url: info.value.model_binary_url,
          meta: meta.primary ?? null,
        },
        oodd: {
          id: info.value.oodd_model_binary_id,
          url: info.value.oodd_model_binary_url,
          meta: meta.oodd ?? null,
        },
      };
    // Reset in the cloud (or every version retired): the cloud serves no model of that kind any more, so the
    // edge must not keep answering with the one it holds.
    const gone = MODEL_KINDS.filter((kind) => !wanted[kind].id && this.served.get(detectorId)?.[kind]);
    if (gone.length > 0) await this.dropCloudModels(detectorId, 'the cloud serves no model', gone);
    for (const kind of MODEL_KINDS) {
      const w = wanted[kind];
      if (!w.id || !w.url) continue;
      if (this.served.get(detectorId)?.[kind]?.modelId === w.id) continue;
      await this.install(detectorId, kind, w.id, w.url, w.meta);
    }
  }

  private async install(
    detectorId: string,
    kind: ModelKind,
    modelId: string,
    url: string,
    meta: CloudModelMeta | null,
  ): Promise<void> {
    const fail = (why: string) => {
      this.deps.metrics.modelInstallFailures.inc({ detector_id: detectorId });
      this.deps.log.error(
        { detectorId, kind, modelId, why },
        'model package refused; the previous version keeps serving',
      );
    };
    if (!meta?.sha256) return fail('the cloud gave no sha256 to verify the package against');
    const blob = await this.deps.cloud.download(url, 60_000);
    if (blob.kind !== 'ok') return fail(`download failed: ${blob.kind}`);
    const sha = createHash('sha256').update(blob.value).digest('hex');
    if (sha !== meta.sha256) return fail(`sha256 mismatch: got ${sha}, expected ${meta.sha256}`);
    const unpacked = unpackModelPackage(blob.value, {
      pipelineConfig: meta.pipeline_config ?? null,
      predictorMetadata: meta.predictor_metadata ?? null,
    });
    if (!unpacked.ok) return fail(unpacked.error);
    unpacked.files.set(PACKAGE_FILES.modelId, Buffer.from(`${modelId}\n`));
    const cloudVersion = meta.version ?? null;
    // Marks the folder as the cloud's: only marked packages are removed on a delete or reset.
    const marker = { model_id: modelId, version: cloudVersion, installed_at: new Date().toISOString() };
    unpacked.files.set(CLOUD_INSTALL_MARKER, Buffer.from(`${JSON.stringify(marker)}\n`));

    const dir = this.store.kindDir(detectorId, kind);
    await mkdir(dir, { recursive: true });
    const n = await this.store.nextVersion(detectorId, kind, cloudVersion);
    const tmp = join(dir, `.incoming-${modelId}-${process.pid}-${Date.now()}`);
    await mkdir(tmp);
    try {
      for (const [name, content] of unpacked.files) {
        const fh = await open(join(tmp, name), 'w');
        try {
          await fh.writeFile(content);
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      await rename(tmp, this.store.versionDir(detectorId, kind, n));
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      return fail(`install failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const entry = this.served.get(detectorId) ?? {};
    entry[kind] = { version: cloudVersion ?? n, modelId };
    this.served.set(detectorId, entry);
    this.deps.metrics.modelInstalls.inc({ detector_id: detectorId, kind });
    this.deps.log.info(
      { detectorId, kind, modelId, version: cloudVersion, dir: this.store.versionDir(detectorId, kind, n) },
      'model installed',
    );
    // Older versions beyond the newest KEEP_VERSIONS go, but only the cloud's: an operator's package stays.
    for (const old of (await this.store.versions(detectorId, kind)).slice(KEEP_VERSIONS)) {
      if (!(await this.store.isCloudInstall(detectorId, kind, old))) continue;
      await rm(this.store.versionDir(detectorId, kind, old), { recursive: true, force: true });
    }
    void this.heartbeat();
  }

  /**
   * Removes the cloud's packages of a detector (all kinds, or `kinds`) from the model store: after a delete or
   * reset the edge must stop answering with them. The inference service unloads a detector whose package
   * folder is gone at its next version check; operator-installed packages (no from_cloud.json) stay.
   */
  async dropCloudModels(
    detectorId: string,
    why: string,
    kinds: readonly ModelKind[] = MODEL_KINDS,
  ): Promise<void> {
    const removed = await this.store.removeCloudVersions(detectorId, kinds);
    const entry = this.served.get(detectorId);
    for (const kind of kinds) delete entry?.[kind];
    if (entry && !entry.primary && !entry.oodd) this.served.delete(detectorId);
    if (removed.length === 0 && !entry) return;
    this.deps.log.warn({ detectorId, kinds, removedVersions: removed, why }, 'cloud models removed');
    void this.heartbeat();
  }

  /** What is installed already (newest version's model_id.txt), so a restart does not re-download. */
  async scanInstalled(): Promise<void> {
    for (const detectorId of await this.store.detectorIds()) {
      for (const kind of MODEL_KINDS) {
        const newest = (await this.store.versions(detectorId, kind))[0];
        if (newest === undefined) continue;
        // No model_id.txt: a locally built model; the first cloud version replaces it.
        const id = await this.store.modelId(detectorId, kind, newest);
        if (id === null) continue;
        const entry = this.served.get(detectorId) ?? {};
        entry[kind] = { version: newest, modelId: id };
        this.served.set(detectorId, entry);
      }
    }
  }

  async heartbeat(): Promise<boolean> {
    if (this.stopped) return false;
    const latencyNow = snapshotOf((await this.deps.metrics.answerLatency.get()).values);
    const took = await this.deps.cloud.hubHeartbeat(
      {
        servedDetectors: this.servedDetectors(),
        counters: await this.deps.counters(),
        latency: latencyBetween(this.latencyReported, latencyNow),
        ...(this.deps.deadLetters ? { deadLetters: await this.deps.deadLetters() } : {}),
        ...(this.deps.cameras ? { cameras: await this.deps.cameras() } : {}),
      },
      this.deps.token,
    );
    // A heartbeat the cloud missed leaves its interval to the next one (the chart loses no answers).
    if (took) this.latencyReported = latencyNow;
    if (took && this.deps.afterHeartbeat) {
      await this.deps
        .afterHeartbeat()
        .catch((e: unknown) => this.deps.log.warn({ err: e }, 'after-heartbeat step failed'));
    }
    return took;
  }
}
