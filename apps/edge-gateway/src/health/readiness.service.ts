/** `/health/ready` and `/edge-detector-readiness`: what the edge can answer right now. */
import type { EdgeModelInfo } from '@intellioptics/schema';
import type { Fetched } from '../cloud-client/cloud.client';
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { ModelStore } from '../models/model-store';
import type { StreamStatus } from '../streams/stream.types';
import { detectorReady, type CloudModel } from './detector-ready';

/** A cloud answer about a detector's model is reused this long (readiness is polled about once a second). */
const CLOUD_MODEL_TTL_MS = 5000;

export interface Readiness {
  ready: boolean;
  detail: Record<string, unknown>;
}

export interface ReadinessServiceDeps {
  config: Pick<EdgeConfigService, 'lastProblem' | 'config'>;
  cloudStatus: Pick<CloudStatus, 'snapshot'>;
  models: Pick<ModelStore, 'hasModel' | 'versions' | 'modelId'>;
  /** What the cloud has for a detector (its model URLs); absent: readiness is "a model is installed". */
  cloudModel?: (detectorId: string) => Promise<Fetched<EdgeModelInfo>>;
  now?: () => number;
  outboxPending: () => number;
  streams: () => StreamStatus[];
}

export class ReadinessService {
  private started = false;
  private readonly cloudModels = new Map<string, { at: number; model: CloudModel }>();

  constructor(private readonly deps: ReadinessServiceDeps) {}

  markStarted(started: boolean): void {
    this.started = started;
  }

  readiness(): Readiness {
    const problem = this.deps.config.lastProblem;
    return {
      ready: this.started,
      detail: {
        config: problem ? { ok: false, failed_at: problem.at, errors: problem.errors } : { ok: true },
        outbox_pending: this.deps.outboxPending(),
        cloud: this.deps.cloudStatus.snapshot(),
        streams: this.deps.streams(),
      },
    };
  }

  /** `{det_…: {ready}}` for the configured detectors: ready = the edge holds what the cloud has (detector-ready.ts). */
  async detectors(): Promise<Record<string, { ready: boolean }>> {
    const ids = Object.keys(this.deps.config.config.detectors);
    const answers = await Promise.all(
      ids.map(async (id) => {
        const [cloud, newest] = await Promise.all([
          this.cloudModel(id),
          this.deps.models.versions(id, 'primary'),
        ]);
        const installedModelId =
          newest[0] === undefined ? null : await this.deps.models.modelId(id, 'primary', newest[0]);
        return [
          id,
          { ready: detectorReady({ cloud, installedModelId, hasModel: newest.length > 0 }) },
        ] as const;
      }),
    );
    return Object.fromEntries(answers);
  }

  private async cloudModel(id: string): Promise<CloudModel> {
    if (!this.deps.cloudModel) return { kind: 'unknown' };
    const now = (this.deps.now ?? Date.now)();
    const hit = this.cloudModels.get(id);
    if (hit && now - hit.at < CLOUD_MODEL_TTL_MS) return hit.model;
    const r = await this.deps.cloudModel(id);
    const model: CloudModel =
      r.kind !== 'ok'
        ? { kind: 'unknown' }
        : r.value.model_binary_id
          ? { kind: 'model', modelId: r.value.model_binary_id }
          : { kind: 'none' };
    if (this.cloudModels.size > 10_000) this.cloudModels.clear();
    this.cloudModels.set(id, { at: now, model });
    return model;
  }
}
