/**
 * The one place a trained head becomes a model package: every head writer (count calibration, density, recursive)
 * fills predictor_metadata.json the same way, so the backbone reference, the default model id and the key order
 * (the order predictor_metadata.json has always had) are decided here once.
 */
import { countClassNames } from '@intellioptics/schema';
import type { BackboneInfo } from '../backbone/backbone.cache';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import { createModelPackage, sha256Hex } from './model-package.io';
import type {
  HeadInputSource,
  ModelKind,
  ModelPackage,
  PredictorMetadata,
  VisionMode,
} from './model-package.types';

export interface HeadPackageInput {
  kind: ModelKind;
  modelBytes: Uint8Array;
  pipeline: PipelineConfig;
  /** A known id (the cloud's model version id); else `<kind>-<sha256 of model.buf, 16 hex>`. */
  modelId?: string | undefined;
  metadata: { mode: VisionMode; detectorId: string | null; classNames: string[]; createdAt: string };
  /** The head's input tensor and what feeds it; `dim` is the backbone's feature dimension. */
  input: { name: string; source: HeadInputSource };
  backbone: Pick<BackboneInfo, 'id' | 'sha256' | 'featureDim'>;
  outputs: PredictorMetadata['outputs'];
  calibration: PredictorMetadata['calibration'];
  training: PredictorMetadata['training'];
  metrics: PredictorMetadata['metrics'];
  neighborIndex?: PredictorMetadata['neighbor_index'] | null;
}

export function buildHeadPackage(p: HeadPackageInput): ModelPackage {
  const { modelBytes, metadata, backbone } = p;
  return createModelPackage({
    modelBytes,
    pipeline: p.pipeline,
    modelId: p.modelId ?? `${p.kind}-${sha256Hex(modelBytes).slice(0, 16)}`,
    metadata: {
      format_version: 1,
      kind: p.kind,
      mode: metadata.mode,
      detector_id: metadata.detectorId,
      class_names: metadata.classNames,
      input: {
        name: p.input.name,
        source: p.input.source,
        dim: backbone.featureDim,
        backbone: { id: backbone.id, sha256: backbone.sha256 },
      },
      outputs: p.outputs,
      calibration: p.calibration,
      training: p.training,
      metrics: p.metrics,
      ...(p.neighborIndex ? { neighbor_index: p.neighborIndex } : {}),
      created_at: metadata.createdAt,
    },
  });
}

/** What every COUNT head of one detector shares, whichever way it counts (count calibration, density map). */
export interface CountHeadTarget {
  maxCount: number;
  pipeline: PipelineConfig;
  backbone: Pick<BackboneInfo, 'id' | 'sha256' | 'featureDim'>;
  detectorId: string | null;
  createdAt: string;
  modelId?: string;
}

/** A COUNT primary over the classes "0"…max_count and GREATER_THAN_MAX; its probabilities are used as they are. */
export function buildCountHeadPackage(
  target: CountHeadTarget,
  head: Pick<HeadPackageInput, 'modelBytes' | 'input' | 'outputs' | 'training' | 'metrics'>,
): ModelPackage {
  return buildHeadPackage({
    ...head,
    kind: 'primary',
    pipeline: target.pipeline,
    modelId: target.modelId,
    backbone: target.backbone,
    metadata: {
      mode: 'COUNT',
      detectorId: target.detectorId,
      classNames: countClassNames(target.maxCount),
      createdAt: target.createdAt,
    },
    calibration: { method: 'none' },
  });
}
