/**
 * What a feature-map primary (input.source 'backbone_feature_map') reads from one image's spatial map, for
 * every place that answers with one (the inference service, the cloud predictor): its calibrated
 * probabilities and the model-side explanation parts it adds. Dispatched on `metadata.training.algorithm`;
 * an algorithm without a reader here throws, so a caller never answers with outputs it cannot interpret.
 */
import type { DetectorAnswer, EvidenceMap, ExplanationStep, ModelExplanation } from '@intellioptics/schema';
import { densityReading, isDensityPackage } from '../heads/density-head.answer';
import type { PredictorMetadata } from '../package/model-package.types';
import type { FeatureMapHead } from './feature-map.head';
import { recursiveReasoning } from './recursive-explanation';
import { isRecursivePackage, readRecursiveOutputs } from './recursive-head.package';
import { HALT_THRESHOLD } from './recursive-head.train';

export interface MapHeadReading {
  probabilities: number[];
  /** Steps to insert after the observation (the recursive head's refinement steps). */
  steps: ExplanationStep[];
  /** The answer's evidence map, replacing the pooled head's one; null keeps the explainer's. */
  evidence: EvidenceMap | null;
  /** COUNT heads that read a count off the map (density): the answer's `count` part. */
  count?: DetectorAnswer['count'];
}

/** Whether readMapHead can read this package's outputs (checked at load time, before any image). */
export function canReadMapHead(metadata: PredictorMetadata): boolean {
  return isRecursivePackage(metadata) || isDensityPackage(metadata);
}

/** Runs `head` on one image's map [dim, s, s] (the same backbone pass as the pooled heads). */
export async function readMapHead(head: FeatureMapHead, map: Float32Array): Promise<MapHeadReading> {
  const meta = head.metadata;
  if (isRecursivePackage(meta)) {
    const [prediction] = readRecursiveOutputs(meta, await head.runMaps([map]));
    const threshold =
      typeof meta.training.halt_threshold === 'number' ? meta.training.halt_threshold : HALT_THRESHOLD;
    const chain = recursiveReasoning(prediction!, meta.class_names, threshold);
    return { probabilities: prediction!.probabilities, steps: chain.steps, evidence: chain.evidence };
  }
  // The density COUNT head: its reading also has the answer's `count` part (heads/density-head.answer.ts).
  if (isDensityPackage(meta)) return densityReading(meta, await head.runMaps([map]), head.mapSize);
  throw new Error(`no reader for feature-map head ${String(meta.training.algorithm)}`);
}

/** The map head's chain right after what the model saw; its evidence becomes the answer's map. In place. */
export function addMapHeadReading(explanation: ModelExplanation, reading: MapHeadReading): void {
  if (reading.steps.length === 0 && !reading.evidence) return;
  const at = explanation.steps.findIndex((st) => st.kind === 'observation') + 1;
  explanation.steps.splice(at, 0, ...reading.steps);
  if (reading.evidence) explanation.evidence = reading.evidence;
}
