/**
 * The COUNT answer of a density-head package (density-head.package.ts) from its graph outputs for one image:
 * the top count class and its probability, plus the Groundlight `count` part (the count capped at max_count,
 * greater_than_max, no boxes: a density map has none). Pure; the inference service and tests call it with the
 * outputs of FeatureMapHead.runMaps on the same backbone pass as the other heads.
 */
import type { DetectorAnswer, ModelVersionRef } from '@intellioptics/schema';
import { GREATER_THAN_MAX } from '@intellioptics/schema';
import type { PredictorMetadata } from '../package/model-package.types';
import { COUNT_OUTPUT } from './density.head';
import { COUNT_PROBABILITIES_OUTPUT, DENSITY_ALGORITHM } from './density-head.package';

export interface MapOutputs {
  [name: string]: { data: Float32Array; dims: readonly number[] };
}

export const isDensityPackage = (m: PredictorMetadata): boolean => m.training.algorithm === DENSITY_ALGORITHM;

/** Answer for image `i` of the batch the outputs came from. */
export function densityCountAnswer(
  detectorId: string,
  metadata: PredictorMetadata,
  outputs: MapOutputs,
  models: { primary: ModelVersionRef; oodd: ModelVersionRef | null },
  i = 0,
): { answer: DetectorAnswer; densityCount: number } {
  const probsOut = outputs[metadata.outputs.probabilities ?? COUNT_PROBABILITIES_OUTPUT];
  const named = metadata.training.count_output;
  const countOut = outputs[typeof named === 'string' ? named : COUNT_OUTPUT];
  if (!probsOut || !countOut) throw new Error('density head returned no count probabilities');
  const k = metadata.class_names.length;
  const probs = Array.from(probsOut.data.subarray(i * k, (i + 1) * k), (v) => Math.min(1, Math.max(0, v)));
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[j]! > probs[best]!) best = j;
  const name = metadata.class_names[best] ?? String(best);
  const greaterThanMax = name === GREATER_THAN_MAX;
  const maxCount = k - 2;
  const confidence = probs[best]!;
  const answer: DetectorAnswer = {
    detector_id: detectorId,
    mode: 'COUNT',
    answered_by: 'trained_model',
    label: { index: best, name },
    probabilities: Object.fromEntries(probs.map((v, j) => [metadata.class_names[j] ?? String(j), v])),
    confidence,
    in_domain_probability: null,
    adjusted_confidence: confidence,
    model_versions: models,
    count: {
      count: greaterThanMax ? maxCount : best,
      greater_than_max: greaterThanMax,
      confidence,
      rois: [],
    },
  };
  // The unrounded sum of the cell densities, for metrics and tests (not part of the wire answer).
  return { answer, densityCount: countOut.data[i]! };
}
