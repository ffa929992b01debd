/**
 * Serving a density-head package (libs/vision heads/density-head.package.ts, `training.algorithm:
 * 'density_map'`): COUNT for a class the COCO detector does not know, learned from reviewers' boxes. The head
 * takes the backbone's spatial map from the SAME batched backbone pass as the detector's other heads
 * (infer.service → libs/vision readMapHead); its count distribution gives the label and confidence, and the
 * OODD head, when the detector has one, adjusts the confidence as for any trained answer. The explanation's
 * evidence is the density map itself (its cells sum to the unrounded count), with one step saying so.
 */
import { adjustConfidenceForDomain } from '@intellioptics/decision';
import type { DetectorAnswer, ModelVersionRef } from '@intellioptics/schema';
import type { FeatureMapHead, SpatialFeatures } from '@intellioptics/vision';
import { DENSITY_ALGORITHM, densityCountAnswer } from '@intellioptics/vision';

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
