/**
 * Micro-batching without a timer: when the backbone is idle an image runs at once (no added latency at low
 * load); images that arrive while it is busy wait and then run together in one batched call. Each image gets
 * its pooled vector and the 7×7 map it pools (the explanation's evidence map; fetching it costs one copy).
 */
import type { SpatialFeatures, VisionEngine } from '@intellioptics/vision';

interface Pending {
  tensor: Float32Array;
  resolve: (f: SpatialFeatures) => void;
  reject: (e: unknown) => void;
}

export class BackboneBatcher {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly engine: VisionEngine,
    private readonly maxBatch: number,
    private readonly onBatch: (size: number) => void = () => undefined,
  ) {}

  embed(tensor: Float32Array): Promise<SpatialFeatures> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tensor, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.onBatch(batch.length);
      try {
        const features = await this.engine.embedSpatialTensors(batch.map((p) => p.tensor));
        batch.forEach((p, i) => p.resolve(features[i]!));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.running = false;
  }
}
