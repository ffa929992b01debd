/**
 * Loads a detector's heads from the registry into ONNX sessions on the shared VisionEngine: the highest
 * version that loads wins; a version that fails (sha256, corrupt, wrong backbone) is refused, logged and
 * counted, and remembered by file fingerprint so it is retried only if it changes on disk.
 */
import type { ModelKind, VisionEngine } from '@intellioptics/vision';
import { IntelliOpticsError } from '@intellioptics/schema';
import { loadFeatureMapHead, ModelExplainer, ModelPackageError } from '@intellioptics/vision';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { DetectorModels } from './loaded-model';
import { LoadedModel } from './loaded-model';
import type { EvictionReason, ModelManager } from './model-manager';
import type { ModelRegistry } from './model-registry';

export const DETECTOR_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class DetectorSessionManager implements ModelManager {
  private readonly loaded = new Map<string, DetectorModels>();
  private readonly loading = new Map<string, Promise<DetectorModels>>();
  private readonly refreshing = new Map<string, Promise<void>>();
  /** `${detector}/${kind}/${version}` → fingerprint at the time it was refused. */
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly engine: VisionEngine,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  peek(detectorId: string): DetectorModels | undefined {
    return this.loaded.get(detectorId);
  }

  loadedIds(): string[] {
    return [...this.loaded.keys()];
  }

  get(detectorId: string): Promise<DetectorModels> {
    const hit = this.loaded.get(detectorId);
    if (hit) return Promise.resolve(hit);
    if (!DETECTOR_ID_RE.test(detectorId)) {
      return Promise.reject(
        new IntelliOpticsError(
          'INVALID_PARAMETER',
          `detector_id "${detectorId}" is not a valid detector id (letters, digits, _ . -).`,
        ),
      );
    }
    let p = this.loading.get(detectorId);
    if (!p) {
      p = this.loadDetector(detectorId).finally(() => this.loading.delete(detectorId));
      this.loading.set(detectorId, p);
    }
    return p;
  }

  private async loadDetector(detectorId: string): Promise<DetectorModels> {
    const primary = await this.loadBest(detectorId, 'primary', 0);
    if (!primary) {
      throw new IntelliOpticsError(
        'MODEL_NOT_FOUND',
        `No loadable model is installed for detector ${detectorId}: install a package under models/${detectorId}/primary/<N>/.`,
      );
    }
    const oodd = await this.loadBest(detectorId, 'oodd', 0);
    const entry: DetectorModels = { detectorId, primary, oodd };
    this.loaded.set(detectorId, entry);
    this.metrics.loadedDetectors.set(this.loaded.size);
    this.log.info({ detectorId, primary: primary.version, oodd: oodd?.version ?? null }, 'detector loaded');
    return entry;
  }

  /** Highest version above `above` that loads, or null. */
  private async loadBest(detectorId: string, kind: ModelKind, above: number): Promise<LoadedModel | null> {
    const versions = (await this.registry.listVersions(detectorId, kind)).filter((v) => v > above);
    for (const version of versions) {
      const key = `${detectorId}/${kind}/${version}`;
      const seen = this.refused.get(key);
      if (seen !== undefined && seen === (await this.registry.fingerprint(detectorId, kind, version)))
        continue;
      const model = await this.tryLoad(detectorId, kind, version);
      if (model) {
        this.refused.delete(key);
        return model;
      }
      this.refused.set(key, await this.registry.fingerprint(detectorId, kind, version));
    }
    return null;
  }

  private async tryLoad(detectorId: string, kind: ModelKind, version: number): Promise<LoadedModel | null> {
    const started = performance.now();
    try {
      const pkg = await this.registry.read(detectorId, kind, version);
      if (pkg.metadata.kind !== kind) {
        throw new ModelPackageError(
          'INVALID_METADATA',
          `metadata kind ${pkg.metadata.kind} in a ${kind} folder`,
          pkg.dir,
        );
      }
      if (kind === 'oodd' && pkg.metadata.input.source !== 'backbone_features') {
        throw new ModelPackageError('INVALID_METADATA', 'an OODD head takes the pooled features', pkg.dir);
      }
      // One backbone pass serves both kinds: the pooled vector, or the 7×7 map it pools (infer.service.ts).
      const head =
        pkg.metadata.input.source === 'backbone_feature_map'
          ? await loadFeatureMapHead(this.engine, pkg)
          : await this.engine.loadHead(pkg);
      this.metrics.modelLoads.inc({ kind, result: 'ok' });
      this.metrics.modelLoadDuration.observe((performance.now() - started) / 1000);
      const explainer = kind === 'primary' ? ModelExplainer.fromPackage(pkg) : null;
      return new LoadedModel(kind, version, head, pkg.dir ?? '', explainer);
    } catch (err) {
      const reason = err instanceof ModelPackageError ? err.code : 'LOAD_FAILED';
      this.metrics.modelLoads.inc({ kind, result: 'refused' });
      this.metrics.refusedPackages.inc({ kind, reason });
      this.log.warn(
        { detectorId, kind, version, reason, err: (err as Error).message },
        'model package refused; keeping the previous version',
      );
      return null;
    }
  }

  refresh(detectorId: string): Promise<void> {
    let p = this.refreshing.get(detectorId);
    if (!p) {
      p = this.refreshNow(detectorId).finally(() => this.refreshing.delete(detectorId));
      this.refreshing.set(detectorId, p);
    }
    return p;
  }

  private async refreshNow(detectorId: string): Promise<void> {
    for (const kind of ['primary', 'oodd'] as const) {
      const entry = this.loaded.get(detectorId);
      if (!entry) return;
      const current = entry[kind];
      // The served version's folder is gone (the edge removed a deleted or reset detector's models): fall back
      // to the best version still installed, and unload the detector when there is no primary left.
      const removed = current !== null && !(await this.registry.exists(detectorId, kind, current.version));
      if (removed) {
        const fallback = await this.loadBest(detectorId, kind, 0);
        if (this.loaded.get(detectorId) !== entry) {
          fallback?.retire();
          return;
        }
        if (kind === 'primary' && !fallback) {
          this.unload(detectorId, 'removed');
          return;
        }
        if (kind === 'primary') entry.primary = fallback!;
        else entry.oodd = fallback;
        current.retire();
        this.log.warn(
          { detectorId, kind, from: current.version, to: fallback?.version ?? null },
          'served model version removed from the store',
        );
        continue;
      }
      const next = await this.loadBest(detectorId, kind, current?.version ?? 0);
      if (!next) continue;
      if (this.loaded.get(detectorId) !== entry) {
        next.retire(); // evicted while loading
        return;
      }
      if (kind === 'primary') entry.primary = next;
      else entry.oodd = next;
      current?.retire();
      this.metrics.versionSwaps.inc({ kind });
      this.log.info(
        { detectorId, kind, from: current?.version ?? null, to: next.version },
        'model version swapped',
      );
    }
  }

  unload(detectorId: string, reason: EvictionReason): void {
    const entry = this.loaded.get(detectorId);
    if (!entry) return;
    this.loaded.delete(detectorId);
    entry.primary.retire();
    entry.oodd?.retire();
    this.metrics.evictions.inc({ reason });
    this.metrics.loadedDetectors.set(this.loaded.size);
    this.log.info({ detectorId, reason }, 'detector evicted');
  }
}
