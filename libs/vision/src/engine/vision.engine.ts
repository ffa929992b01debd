/**
 * VisionEngine: one backbone session shared by every head. Embed N images once (one batched backbone run),
 * then run any number of heads (primary / OODD, any detector) on the features.
 */
import * as ort from 'onnxruntime-node';
import type { BackboneInfo, BackbonePrecision } from '../backbone/backbone.cache';
import { defaultCacheDir, loadBackboneArtifact } from '../backbone/backbone.cache';
import { loadInt8BackboneArtifact } from '../backbone/int8-backbone';
import { DISTANCE_OUTPUT, IN_DOMAIN_OUTPUT } from '../heads/oodd.head';
import { HEAD_INPUT, PROBABILITIES_OUTPUT } from '../heads/softmax.head';
import { openHeadSession } from './head-session';
import type { ModelPackage, PredictorMetadata } from '../package/model-package.types';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import { DEFAULT_PIPELINE_CONFIG } from '../preprocess/pipeline-config';
import { preprocessImage } from '../preprocess/image.preprocess';

export interface VisionEngineOptions {
  cacheDir?: string;
  /** onnxruntime intra-op threads for the backbone (default: onnxruntime's choice, all cores). */
  intraOpNumThreads?: number;
  pipeline?: PipelineConfig;
  /** Backbone precision (default: `IO_BACKBONE_PRECISION`, else fp32). int8 is about 2× faster (README). */
  precision?: BackbonePrecision;
}

export function backbonePrecisionFromEnv(env = process.env): BackbonePrecision {
  const v = env.IO_BACKBONE_PRECISION ?? 'fp32';
  if (v !== 'fp32' && v !== 'int8') throw new Error(`IO_BACKBONE_PRECISION must be fp32 or int8, got ${v}`);
  return v;
}

export interface EmbedTimings {
  decodeMs: number;
  backboneMs: number;
}

/** One image's backbone output: the pooled vector and the NCHW map [featureDim, size, size] it pools. */
export interface SpatialFeatures {
  pooled: Float32Array;
  map: Float32Array;
}

export type HeadOutput =
  | { kind: 'primary'; probabilities: number[] }
  | { kind: 'oodd'; inDomainProbability: number; distance: number };

const now = (): number => performance.now();

export class Head {
  constructor(
    readonly metadata: PredictorMetadata,
    readonly modelId: string,
    private readonly session: ort.InferenceSession,
    readonly dim: number,
  ) {}

  /** Runs the head on a batch of feature vectors (one ONNX call). */
  async run(features: readonly Float32Array[]): Promise<HeadOutput[]> {
    const n = features.length;
    if (n === 0) return [];
    const batch = new Float32Array(n * this.dim);
    features.forEach((f, i) => batch.set(f, i * this.dim));
    const out = await this.session.run({ [HEAD_INPUT]: new ort.Tensor('float32', batch, [n, this.dim]) });
    if (this.metadata.kind === 'primary') {
      const name = this.metadata.outputs.probabilities ?? PROBABILITIES_OUTPUT;
      const data = out[name]!.data as Float32Array;
      const c = data.length / n;
      return features.map((_, i) => ({
        kind: 'primary',
        probabilities: Array.from(data.subarray(i * c, (i + 1) * c)),
      }));
    }
    const p = out[this.metadata.outputs.in_domain_probability ?? IN_DOMAIN_OUTPUT]!.data as Float32Array;
    const d = out[this.metadata.outputs.distance ?? DISTANCE_OUTPUT]?.data as Float32Array | undefined;
    return features.map((_, i) => ({ kind: 'oodd', inDomainProbability: p[i]!, distance: d?.[i] ?? NaN }));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export class VisionEngine {
  private constructor(
    readonly backbone: BackboneInfo,
    readonly pipeline: PipelineConfig,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(opts: VisionEngineOptions = {}): Promise<VisionEngine> {
    const cacheDir = opts.cacheDir ?? defaultCacheDir();
    const precision = opts.precision ?? backbonePrecisionFromEnv();
    const artifact =
      precision === 'int8' ? await loadInt8BackboneArtifact(cacheDir) : await loadBackboneArtifact(cacheDir);
    const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
    if (opts.intraOpNumThreads) sessionOptions.intraOpNumThreads = opts.intraOpNumThreads;
    const session = await ort.InferenceSession.create(artifact.bytes, sessionOptions);
    return new VisionEngine(artifact.info, opts.pipeline ?? DEFAULT_PIPELINE_CONFIG, session);
  }

  /** Decodes and preprocesses one image into the backbone's input layout. Throws VisionInputError. */
  async preprocess(bytes: Uint8Array): Promise<Float32Array> {
    return (await preprocessImage(bytes, this.pipeline)).tensor;
  }

  /** Backbone features for already preprocessed tensors, in one batched run. */
  async embedTensors(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    return (await this.runBackbone(tensors, false)).map((f) => f.pooled);
  }

  /**
   * Pooled vectors and the spatial map before pooling, from the same batched run (the map is computed on the way
   * to the pooled vector anyway; fetching it costs one copy).
   */
  async embedSpatialTensors(tensors: readonly Float32Array[]): Promise<SpatialFeatures[]> {
    return (await this.runBackbone(tensors, true)) as SpatialFeatures[];
  }

  private async runBackbone(
    tensors: readonly Float32Array[],
    withMap: boolean,
  ): Promise<{ pooled: Float32Array; map?: Float32Array }[]> {
    const n = tensors.length;
    if (n === 0) return [];
    const { width, height } = this.pipeline.image;
    const per = 3 * width * height;
    const batch = n === 1 ? tensors[0]! : new Float32Array(n * per);
    if (n > 1) tensors.forEach((t, i) => batch.set(t, i * per));
    const { inputName, outputName, featureMapName, featureDim, featureMapSize } = this.backbone;
    const fetches = withMap ? [outputName, featureMapName] : [outputName];
    const out = await this.session.run(
      { [inputName]: new ort.Tensor('float32', batch, [n, 3, height, width]) },
      fetches,
    );
    const pooled = out[outputName]!.data as Float32Array;
    const maps = withMap ? (out[featureMapName]!.data as Float32Array) : null;
    const m = featureDim * featureMapSize * featureMapSize;
    return tensors.map((_, i) => ({
      pooled: pooled.slice(i * featureDim, (i + 1) * featureDim),
      ...(maps ? { map: maps.slice(i * m, (i + 1) * m) } : {}),
    }));
  }

  /** Decode + preprocess every image (in parallel), then one backbone run for all of them. */
  async embed(images: readonly Uint8Array[]): Promise<{ features: Float32Array[]; timings: EmbedTimings }> {
    const t0 = now();
    const tensors = await Promise.all(images.map((b) => this.preprocess(b)));
    const t1 = now();
    const features = await this.embedTensors(tensors);
    return { features, timings: { decodeMs: t1 - t0, backboneMs: now() - t1 } };
  }

  /** Creates an ONNX session for a package's head, after checking it was trained on this backbone. */
  async loadHead(pkg: ModelPackage): Promise<Head> {
    const session = await openHeadSession(pkg, this.backbone, this.pipeline, HEAD_INPUT);
    const { metadata } = pkg;
    return new Head(metadata, pkg.modelId, session, this.backbone.featureDim);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
