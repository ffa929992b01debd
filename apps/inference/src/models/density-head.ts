/**
 * Serving a density-head package (libs/vision heads/density-head.package.ts, `training.algorithm:
 * 'density_map'`): COUNT for a class the COCO detector does not know, learned from reviewers' boxes. The head
 * takes the backbone's spatial map from the SAME batched backbone pass as the detector's other heads
 * (infer.service mapHeadReading → readDensityMap); its count distribution gives the label and confidence, and the
 * OODD head, when the detector has one, adjusts the confidence as for any trained answer. The explanation's
 * evidence is the density map itself (its cells sum to the unrounded count), with one step saying so.
 */
import { adjustConfidenceForDomain } from '@intellioptics/decision';
import type { DetectorAnswer, EvidenceMap, ExplanationStep, ModelVersionRef } from '@intellioptics/schema';
import type { FeatureMapHead, SpatialFeatures } from '@intellioptics/vision';
import { DENSITY_ALGORITHM, DENSITY_OUTPUT, densityCountAnswer } from '@intellioptics/vision';

export { DENSITY_ALGORITHM };

export interface DensityServeInput {
  detectorId: string;
  head: FeatureMapHead;
  primary: ModelVersionRef;
  oodd: ModelVersionRef | null;
  /** The OODD head's in-domain probability on the same image's pooled vector, null without one. */
  inDomain: number | null;
}

export async function answerDensityMap(
  input: DensityServeInput,
  spatial: SpatialFeatures,
): Promise<DetectorAnswer> {
  const outputs = await input.head.runMaps([spatial.map]);
  const { answer } = densityCountAnswer(input.detectorId, input.head.metadata, outputs, {
    primary: input.primary,
    oodd: input.oodd,
  });
  return {
    ...answer,
    in_domain_probability: input.inDomain,
    adjusted_confidence: adjustConfidenceForDomain({
      confidence: answer.confidence,
      inDomainProbability: input.inDomain,
      mode: 'COUNT',
      numClasses: input.head.metadata.class_names.length,
    }),
  };
}

/** What infer.service's answer needs from a density primary on one image (its MapHeadReading plus `count`). */
export interface DensityReading {
  probabilities: number[];
  count: NonNullable<DetectorAnswer['count']>;
  steps: ExplanationStep[];
  evidence: EvidenceMap | null;
}

const NO_MODELS = { primary: { version: 0, model_id: '' }, oodd: null };

export async function readDensityMap(
  head: FeatureMapHead,
  spatial: SpatialFeatures,
): Promise<DensityReading> {
  const meta = head.metadata;
  const outputs = await head.runMaps([spatial.map]);
  // The answer's label, probabilities and count part are libs/vision's; the service fills in the rest.
  const { answer, densityCount } = densityCountAnswer('', meta, outputs, NO_MODELS);
  const named = meta.training.density_output;
  const map = outputs[typeof named === 'string' ? named : DENSITY_OUTPUT];
  const size = head.mapSize;
  const evidence: EvidenceMap | null =
    map && map.data.length >= size * size
      ? {
          rows: size,
          cols: size,
          values: Array.from(map.data.subarray(0, size * size)),
          label: answer.label.name,
        }
      : null;
  const peak = evidence ? evidence.values.reduce((b, v, i, a) => (v > a[b]! ? i : b), 0) : -1;
  const className = typeof meta.training.class_name === 'string' ? meta.training.class_name : 'objects';
  const sigma = typeof meta.training.count_sigma === 'number' ? meta.training.count_sigma : null;
  const c = answer.count!;
  const step: ExplanationStep = {
    kind: 'observation',
    text:
      `The density map of "${className}" sums to ${densityCount.toFixed(2)} over the ${size}×${size} cells, so ` +
      (c.greater_than_max ? `more than ${c.count}` : `${c.count}`) +
      (sigma !== null ? ` (count error σ ${sigma.toFixed(2)} on held-out images)` : '') +
      (evidence
        ? `; the densest cell is row ${Math.floor(peak / size) + 1}, column ${(peak % size) + 1}.`
        : '.'),
    data: {
      class_name: className,
      density_count: densityCount,
      count_sigma: sigma,
      ...(evidence ? { density_peak_row: Math.floor(peak / size), density_peak_col: peak % size } : {}),
    },
  };
  const probabilities = meta.class_names.map((n) => answer.probabilities[n] ?? 0);
  return { probabilities, count: c, steps: [step], evidence };
}
