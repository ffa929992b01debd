/**
 * The COUNT answer of a density-head package (density-head.package.ts) from its graph outputs for one image:
 * the top count class and its probability, plus the Groundlight `count` part (the count capped at max_count,
 * greater_than_max, no boxes: a density map has none). Pure; the inference service and tests call it with the
 * outputs of FeatureMapHead.runMaps on the same backbone pass as the other heads.
 */
import type { DetectorAnswer, EvidenceMap, ExplanationStep, ModelVersionRef } from '@intellioptics/schema';
import { GREATER_THAN_MAX } from '@intellioptics/schema';
import type { PredictorMetadata } from '../package/model-package.types';
import { COUNT_OUTPUT, DENSITY_OUTPUT } from './density.head';
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

/**
 * What a service answering with a density primary reads from one image's outputs (a map-head reading plus the
 * Groundlight `count` part): probabilities in class order, the count, and the explanation parts — the 7×7
 * density map as the answer's evidence (its cells sum to the unrounded count) and one step saying so.
 */
export interface DensityReading {
  probabilities: number[];
  count: NonNullable<DetectorAnswer['count']>;
  steps: ExplanationStep[];
  evidence: EvidenceMap | null;
}

const NO_MODELS = { primary: { version: 0, model_id: '' }, oodd: null };

export function densityReading(
  metadata: PredictorMetadata,
  outputs: MapOutputs,
  mapSize: number,
  i = 0,
): DensityReading {
  const { answer, densityCount } = densityCountAnswer('', metadata, outputs, NO_MODELS, i);
  const named = metadata.training.density_output;
  const map = outputs[typeof named === 'string' ? named : DENSITY_OUTPUT];
  const cells = mapSize * mapSize;
  const evidence: EvidenceMap | null =
    map && map.data.length >= (i + 1) * cells
      ? {
          rows: mapSize,
          cols: mapSize,
          values: Array.from(map.data.subarray(i * cells, (i + 1) * cells)),
          label: answer.label.name,
        }
      : null;
  const peak = evidence ? evidence.values.reduce((b, v, j, a) => (v > a[b]! ? j : b), 0) : -1;
  const className =
    typeof metadata.training.class_name === 'string' ? metadata.training.class_name : 'objects';
  const sigma = typeof metadata.training.count_sigma === 'number' ? metadata.training.count_sigma : null;
  const c = answer.count!;
  const step: ExplanationStep = {
    kind: 'observation',
    text:
      `The density map of "${className}" sums to ${densityCount.toFixed(2)} over the ${mapSize}×${mapSize} cells, so ` +
      (c.greater_than_max ? `more than ${c.count}` : `${c.count}`) +
      (sigma !== null ? ` (count error σ ${sigma.toFixed(2)} on held-out images)` : '') +
      (evidence
        ? `; the densest cell is row ${Math.floor(peak / mapSize) + 1}, column ${(peak % mapSize) + 1}.`
        : '.'),
    data: {
      class_name: className,
      density_count: densityCount,
      count_sigma: sigma,
      ...(evidence ? { density_peak_row: Math.floor(peak / mapSize), density_peak_col: peak % mapSize } : {}),
    },
  };
  return {
    probabilities: metadata.class_names.map((n) => answer.probabilities[n] ?? 0),
    count: c,
    steps: [step],
    evidence,
  };
}
