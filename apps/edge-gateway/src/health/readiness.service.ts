/** `/health/ready` and `/edge-detector-readiness`: what the edge can answer right now. */
import type { CloudStatus } from '../cloud-client/cloud-status';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { ModelStore } from '../models/model-store';
import type { StreamStatus } from '../streams/stream.types';

export interface Readiness {
  ready: boolean;
  detail: Record<string, unknown>;
}

export interface ReadinessServiceDeps {
  config: Pick<EdgeConfigService, 'lastProblem' | 'config'>;
  cloudStatus: Pick<CloudStatus, 'snapshot'>;
  models: Pick<ModelStore, 'hasModel'>;
  outboxPending: () => number;
  streams: () => StreamStatus[];
}

export class ReadinessService {
  private started = false;

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

  /** `{det_…: {ready}}` for the configured detectors: ready = a model is installed. */
  async detectors(): Promise<Record<string, { ready: boolean }>> {
    const out: Record<string, { ready: boolean }> = {};
    for (const id of Object.keys(this.deps.config.config.detectors)) {
      out[id] = { ready: await this.deps.models.hasModel(id) };
    }
    return out;
  }
}
