import type { DetectorMode } from '@intellioptics/schema';

/**
 * The confidence of a uniform guess: what an out-of-domain image deserves. Bounding boxes have no such level
 * (an empty detection is not a guess), so 0, as in the reference.
 */
export function chanceLevel(mode: DetectorMode, numClasses?: number): number {
  switch (mode) {
    case 'BOUNDING_BOX':
      return 0;
    case 'BINARY':
      return 1 / 2;
    case 'COUNT':
    case 'MULTI_CLASS':
    case 'TEXT':
      if (numClasses === undefined || !Number.isInteger(numClasses) || numClasses < 1) {
        throw new RangeError(`numClasses must be a positive integer for ${mode}, got ${String(numClasses)}`);
      }
      return 1 / numClasses;
  }
}

/**
 * `adjusted = p_out · chance + (1 − p_out) · conf`: pulls the confidence toward chance as the OODD model grows
 * sure the image is unlike the training data, so such images fall below threshold and escalate. The label is
 * not changed. With either value missing the confidence is returned unadjusted (the reference does the same).
 * This is the one implementation: the inference service reports it, the edge decides on it, learning measures
 * held-out answers with it. Clamped to [0, 1] so float rounding never makes it an invalid probability.
 */
export function adjustConfidenceWithOodd(args: {
  primaryConfidence: number | null | undefined;
  outlierProbability: number | null | undefined;
  mode: DetectorMode;
  numClasses?: number | undefined;
}): number | null {
  const { primaryConfidence, outlierProbability } = args;
  if (primaryConfidence === null || primaryConfidence === undefined) return null;
  assertProbability('primaryConfidence', primaryConfidence);
  if (outlierProbability === null || outlierProbability === undefined) return primaryConfidence;
  assertProbability('outlierProbability', outlierProbability);
  const chance = chanceLevel(args.mode, args.numClasses);
  return Math.min(1, Math.max(0, outlierProbability * chance + (1 - outlierProbability) * primaryConfidence));
}

/** The same adjustment from an OODD head's in-domain probability (null: no OODD model, no adjustment). */
export function adjustConfidenceForDomain(args: {
  confidence: number;
  inDomainProbability: number | null;
  mode: DetectorMode;
  numClasses: number;
}): number {
  return (
    adjustConfidenceWithOodd({
      primaryConfidence: args.confidence,
      outlierProbability: args.inDomainProbability === null ? null : 1 - args.inDomainProbability,
      mode: args.mode,
      numClasses: args.numClasses,
    }) ?? args.confidence
  );
}

/** The reference OODD output (label 1 = outlier, confidence in that label) as an outlier probability. */
export function outlierProbabilityFromOodd(label: 0 | 1, confidence: number): number {
  assertProbability('oodd confidence', confidence);
  return label === 1 ? confidence : 1 - confidence;
}

/** The request's threshold wins over the detector's. */
export function effectiveThreshold(
  requestThreshold: number | null | undefined,
  detectorThreshold: number,
): number {
  return requestThreshold ?? detectorThreshold;
}

/** `>=`, as in the reference: a confidence equal to the threshold is confident. */
export function isConfident(confidence: number, threshold: number): boolean {
  return confidence >= threshold;
}

export function isProbability(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}

function assertProbability(name: string, value: number): void {
  if (!isProbability(value)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
}
