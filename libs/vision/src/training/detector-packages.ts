/**
 * A detector's two model packages (primary softmax head + Mahalanobis OODD head) from fitted parameters: the
 * ONNX heads, their metadata and their ids, built the same way for the starter models and for the learning
 * loop's candidates. Pure: nothing is written to disk.
 */
import type { BackboneInfo } from '../backbone/backbone.cache';
import type { NeighborIndexMetadata } from '../explain/neighbor-index';
import { buildMahalanobisHead, DISTANCE_OUTPUT, IN_DOMAIN_OUTPUT } from '../heads/oodd.head';
import { buildSoftmaxHead, HEAD_INPUT, PROBABILITIES_OUTPUT } from '../heads/softmax.head';
import { createModelPackage, sha256Hex } from '../package/model-package.io';
import type { ModelPackage, PredictorMetadata, VisionMode } from '../package/model-package.types';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import type { MahalanobisOodd } from './mahalanobis.fit';
import type { SoftmaxModel } from './softmax-regression';

export interface DetectorPackagesInput {
  primary: {
    model: SoftmaxModel;
    /** 1 = uncalibrated. */
    temperature: number;
    calibration: Extract<PredictorMetadata['calibration'], { method: 'temperature' | 'none' }>;
    /** Training facts beyond algorithm, l2, iterations and convergence. */
    training: Record<string, unknown> & { l2: number };
    metrics: Record<string, number>;
    /** The nearest-example index (buildNeighborIndex), when the examples have image query ids. */
    neighborIndex?: NeighborIndexMetadata | null;
  };
  oodd: {
    fit: MahalanobisOodd;
    /** Training facts beyond algorithm, shrinkage and rank. */
    training: Record<string, unknown>;
    metrics: Record<string, number>;
  };
  pipeline: PipelineConfig;
  backbone: Pick<BackboneInfo, 'id' | 'sha256' | 'featureDim'>;
  /** Known ids (the cloud's model version ids); else `<prefix><kind>-<sha256 of the head, 16 hex>`. */
  modelIds?: { primary?: string | undefined; oodd?: string | undefined; prefix?: string } | undefined;
  metadata: { mode: VisionMode; detectorId: string | null; classNames: string[]; createdAt: string };
}

export interface DetectorPackages {
  primary: ModelPackage;
  oodd: ModelPackage;
}

export function buildDetectorPackages(input: DetectorPackagesInput): DetectorPackages {
  const { primary, oodd, pipeline, metadata } = input;
  const prefix = input.modelIds?.prefix ?? '';
  // One package of `kind`; metadata keys in the order predictor_metadata.json has always had.
  const pack = (
    kind: 'primary' | 'oodd',
    modelBytes: Uint8Array,
    rest: Pick<PredictorMetadata, 'outputs' | 'calibration' | 'training' | 'metrics' | 'neighbor_index'>,
  ): ModelPackage =>
    createModelPackage({
      modelBytes,
      pipeline,
      modelId: input.modelIds?.[kind] ?? `${prefix}${kind}-${sha256Hex(modelBytes).slice(0, 16)}`,
      metadata: {
        format_version: 1,
        kind,
        mode: metadata.mode,
        detector_id: metadata.detectorId,
        class_names: metadata.classNames,
        input: {
          name: HEAD_INPUT,
          source: 'backbone_features',
          dim: input.backbone.featureDim,
          backbone: { id: input.backbone.id, sha256: input.backbone.sha256 },
        },
        outputs: rest.outputs,
        calibration: rest.calibration,
        training: rest.training,
        metrics: rest.metrics,
        ...(rest.neighbor_index ? { neighbor_index: rest.neighbor_index } : {}),
        created_at: metadata.createdAt,
      },
    });

  const m = primary.model;
  const { l2, ...training } = primary.training;
  const primaryBytes = buildSoftmaxHead({
    weights: m.weights,
    bias: m.bias,
    numClasses: m.numClasses,
    dim: m.dim,
    temperature: primary.temperature,
  });
  const primaryPkg = pack('primary', primaryBytes, {
    outputs: { probabilities: PROBABILITIES_OUTPUT },
    calibration: primary.calibration,
    training: {
      algorithm: 'softmax_regression_lbfgs',
      l2,
      iterations: m.iterations,
      converged: m.converged,
      ...training,
    },
    metrics: primary.metrics,
    neighbor_index: primary.neighborIndex ?? undefined,
  });

  const o = oodd.fit;
  const ooddBytes = buildMahalanobisHead({
    dim: o.dim,
    means: o.means,
    numMeans: o.numMeans,
    isoScale: o.isoScale,
    projection: o.projection,
    rank: o.rank,
    projectionSign: -1,
    tau: o.tau,
    slope: o.slope,
  });
  const ooddPkg = pack('oodd', ooddBytes, {
    outputs: { in_domain_probability: IN_DOMAIN_OUTPUT, distance: DISTANCE_OUTPUT },
    calibration: {
      method: 'sigmoid_distance',
      tau: o.tau,
      slope: o.slope,
      q50: o.q50,
      q95: o.q95,
      held_out_examples: o.heldOutCount,
    },
    training: {
      algorithm: 'mahalanobis_shared_covariance_ledoit_wolf',
      shrinkage: o.shrinkage,
      rank: o.rank,
      ...oodd.training,
    },
    metrics: oodd.metrics,
  });
  return { primary: primaryPkg, oodd: ooddPkg };
}
