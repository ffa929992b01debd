/**
 * The baseline map of linear evidence (linear-evidence.ts): the backbone's feature map of a uniform mid-grey
 * image, computed once per engine (one backbone run) and shared by every detector on it.
 */
import type { VisionEngine } from '../engine/vision.engine';

/** Mid-grey (pixel 127.5) in the pipeline's scaling. */
const GREY = { unit: 0.5, signed: 0 } as const;

const cache = new WeakMap<VisionEngine, Promise<Float32Array>>();

export function blankBaseline(engine: VisionEngine): Promise<Float32Array> {
  let p = cache.get(engine);
  if (!p) {
    const { width, height, scaling } = engine.pipeline.image;
    const tensor = new Float32Array(3 * width * height).fill(GREY[scaling]);
    p = engine.embedSpatialTensors([tensor]).then(([s]) => s!.map);
    cache.set(engine, p);
    p.catch(() => cache.delete(engine));
  }
  return p;
}
