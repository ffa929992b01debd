/**
 * A head whose input is the backbone's spatial feature map (`input.source: 'backbone_feature_map'`, #15): the
 * recursive reasoning head, and any other map head (a density head). The inference service feeds it the map from
 * the SAME batched backbone run that gives the pooled vector to the linear and OODD heads; this class only runs
 * the ONNX graph and hands back every output, batch-first. What the outputs mean is the package's business
 * (`metadata.training.algorithm`), read by the caller (recursive-head.package.ts for the recursive head).
 */
import * as ort from 'onnxruntime-node';
import type { VisionEngine } from '../engine/vision.engine';
import type { ModelPackage, PredictorMetadata } from '../package/model-package.types';
import { ModelPackageError } from '../package/model-package.types';
import { openHeadSession } from '../engine/head-session';

export interface MapHeadTensor {
  data: Float32Array;
  dims: readonly number[];
}

export class FeatureMapHead {
  constructor(
    readonly metadata: PredictorMetadata,
    readonly modelId: string,
    private readonly session: ort.InferenceSession,
    /** Channels per cell and cells per side of the map it takes. */
    readonly dim: number,
    readonly mapSize: number,
  ) {}

  /** Runs the head on a batch of NCHW maps [dim, s, s] (one ONNX call); every output of the graph. */
  async runMaps(maps: readonly Float32Array[]): Promise<Record<string, MapHeadTensor>> {
    const n = maps.length;
    const per = this.dim * this.mapSize * this.mapSize;
    const batch = n === 1 ? maps[0]! : new Float32Array(n * per);
    if (n > 1) maps.forEach((m, i) => batch.set(m, i * per));
    if (batch.length !== n * per) throw new RangeError(`runMaps: a map must have ${per} values`);
    const out = await this.session.run({
      [this.metadata.input.name]: new ort.Tensor('float32', batch, [n, this.dim, this.mapSize, this.mapSize]),
    });
    return Object.fromEntries(
      Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
    );
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Loads a feature-map package on `engine`'s backbone (same checks as VisionEngine.loadHead). */
export async function loadFeatureMapHead(engine: VisionEngine, pkg: ModelPackage): Promise<FeatureMapHead> {
  const { metadata } = pkg;
  const { backbone } = engine;
  if (metadata.input.source !== 'backbone_feature_map')
    throw new ModelPackageError('INVALID_METADATA', `input.source is ${metadata.input.source}`, pkg.dir);
  const session = await openHeadSession(pkg, backbone, engine.pipeline, metadata.input.name);
  return new FeatureMapHead(metadata, pkg.modelId, session, backbone.featureDim, backbone.featureMapSize);
}
