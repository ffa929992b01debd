/**
 * One loaded head with a lease count: a version swap or an eviction retires it, and its ONNX session is
 * released only once the last in-flight request using it has finished.
 */
import type { FeatureMapHead, Head, ModelExplainer, ModelKind } from '@intellioptics/vision';

export class LoadedModel {
  private leases = 0;
  private retired = false;
  private released = false;

  constructor(
    readonly kind: ModelKind,
    readonly version: number,
    /** A pooled-vector head, or (primary only) a head on the backbone's spatial map (input.source). */
    readonly head: Head | FeatureMapHead,
    readonly dir: string,
    /** Primary packages: explains its answers (evidence map, neighbours); null for OODD heads. */
    readonly explainer: ModelExplainer | null = null,
  ) {}

  get modelId(): string {
    return this.head.modelId;
  }

  /** True once the ONNX session has been released. */
  get disposed(): boolean {
    return this.released;
  }

  acquire(): void {
    this.leases++;
  }

  release(): void {
    this.leases--;
    if (this.retired && this.leases === 0) this.dispose();
  }

  retire(): void {
    this.retired = true;
    if (this.leases === 0) this.dispose();
  }

  private dispose(): void {
    if (this.released) return;
    this.released = true;
    void this.head.release().catch(() => undefined);
  }
}

export interface DetectorModels {
  detectorId: string;
  primary: LoadedModel;
  oodd: LoadedModel | null;
}

/** A consistent (primary, oodd) pair held for the duration of one request. */
export interface ModelLease {
  models: DetectorModels;
  release(): void;
}

export function leaseModels(entry: DetectorModels): ModelLease {
  // Snapshot the pair: a concurrent swap replaces entry fields but this request keeps what it started with.
  const models: DetectorModels = { detectorId: entry.detectorId, primary: entry.primary, oodd: entry.oodd };
  models.primary.acquire();
  models.oodd?.acquire();
  let done = false;
  return {
    models,
    release: () => {
      if (done) return;
      done = true;
      models.primary.release();
      models.oodd?.release();
    },
  };
}
