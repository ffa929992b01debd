/** What a model package on disk contains (MODELS.md "Model package"). */
import type { DetectorMode, EscalationPolicyModel } from '@intellioptics/schema';
import type { NeighborIndexMetadata } from '../explain/neighbor-index';
import type { PipelineConfig } from '../preprocess/pipeline-config';

/** Detector modes: the shared `DetectorMode` wire values. */
export type VisionMode = DetectorMode;
export type ModelKind = 'primary' | 'oodd';
export type HeadInputSource = 'backbone_features' | 'backbone_feature_map';
export const HEAD_INPUT_SOURCES: readonly HeadInputSource[] = ['backbone_features', 'backbone_feature_map'];

export interface BackboneRef {
  id: string;
  sha256: string;
}

export interface PredictorMetadata {
  format_version: 1;
  kind: ModelKind;
  mode: VisionMode;
  detector_id: string | null;
  /** Primary: one name per output class, in output order. OODD: the in-domain classes it was fitted on. */
  class_names: string[];
  /**
   * The head's input comes from the backbone, so one backbone pass serves every head: the pooled feature vector
   * (`dim` values, linear and OODD heads) or the spatial feature map (`dim` channels per cell, the recursive head).
   */
  input: { name: string; source: HeadInputSource; dim: number; backbone: BackboneRef };
  outputs: { probabilities?: string; in_domain_probability?: string; distance?: string };
  calibration:
    | { method: 'temperature'; temperature: number; held_out_examples: number }
    | { method: 'none' }
    | {
        method: 'sigmoid_distance';
        tau: number;
        slope: number;
        q50: number;
        q95: number;
        held_out_examples: number;
      };
  /** Free-form training facts (algorithm, shrinkage, iterations...). */
  training: Record<string, unknown>;
  metrics: Record<string, number>;
  /**
   * Primary packages trained from labelled image queries: the nearest-example index (explain/neighbor-index.ts).
   * Optional: packages without it answer as before, with no neighbours in their explanations.
   */
  neighbor_index?: NeighborIndexMetadata;
  /**
   * Primary packages: the detector's learned escalation policy (libs/schema escalation-policy.ts), fitted by the
   * training worker on the detector's labelled history. Optional: without it the edge keeps the threshold policy;
   * `held_out.won` is what the edge's default (escalation_policy unset) goes by.
   */
  escalation_policy?: EscalationPolicyModel;
  /** sha256 of model.buf, checked on every read. */
  model_sha256: string;
  created_at: string;
}

export interface ModelPackage {
  dir: string | null;
  modelBytes: Uint8Array;
  metadata: PredictorMetadata;
  pipeline: PipelineConfig;
  modelId: string;
}

export type ModelPackageErrorCode =
  | 'MISSING_FILE'
  | 'INVALID_METADATA'
  | 'INVALID_PIPELINE_CONFIG'
  | 'SHA256_MISMATCH'
  | 'BACKBONE_MISMATCH'
  | 'LOAD_FAILED'
  | 'ALREADY_EXISTS';

export class ModelPackageError extends Error {
  override readonly name = 'ModelPackageError';
  constructor(
    readonly code: ModelPackageErrorCode,
    message: string,
    readonly dir: string | null = null,
  ) {
    super(dir ? `${message} (${dir})` : message);
  }
}
