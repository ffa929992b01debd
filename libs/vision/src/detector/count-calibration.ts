/**
 * Count confidence calibrated on labelled counts. The detector's raw count confidence (min kept score × (1 − max
 * dropped score), detection.answers.ts) is a bound, not a probability: on labelled photos it is far from the
 * fraction of counts that are right (2-fold over photo halves: ECE 0.059 and 0.296). A small logistic map from
 * the raw confidence and the count to P(count == the labelled count) is fitted on labelled COUNT images and
 * applied where COCO count answers are made (builtin-answers.ts cocoAnswer, ObjectDetector.countObjects), at the
 * edge and in the cloud. The built-in map ships as data (count-calibration.data.ts, written by
 * test/fit-count-calibration.main.ts from person counts built out of the repo's photos; held-out ECE per fold
 * 0.059 → 0.108 and 0.296 → 0.090). The training worker can fit a detector's own map on its reviewers' counts
 * (apps/cloud-graph count-heads.train.ts) and ship it as a calibration package (count-calibration.package.ts):
 * the inference service then answers the detector with the COCO detector and that map (its BuiltinPlan's
 * `countCalibration`, which `cocoAnswer` takes in place of the shipped one).
 */
import type { Detection } from './detection.decode';
import { minimizeLbfgs } from '../training/lbfgs';
import { SHIPPED_COUNT_CALIBRATION } from './count-calibration.data';

/** The raw signals of one count, from the suppressed candidates of the asked classes. */
export interface CountScoreFeatures {
  /** Raw set confidence: min kept score × (1 − max dropped score). */
  raw: number;
  count: number;
  minKept: number;
  maxDropped: number;
  /** Candidates within 0.15 of the threshold on either side: the doubtful ones. */
  nearThreshold: number;
}

/**
 * What the map reads: the raw confidence and the count (more objects, more chances to miss one). Measured on the
 * 2-fold photo-half split (fit-count-calibration.main.ts), adding logit(min kept), logit(max dropped) and the
 * near-threshold count made held-out ECE worse (0.110 vs 0.099 mean over the folds), so they are recorded, not used.
 */
export const COUNT_FEATURE_NAMES = ['logit_raw', 'log1p_count'] as const;

export interface CountCalibration {
  method: 'logistic';
  features: readonly string[];
  /** One weight per feature name. */
  weights: readonly number[];
  bias: number;
  /** Labelled counts it was fitted on, and where they came from. */
  fitted_examples: number;
  source: string;
  /**
   * Measured on labelled counts it was not fitted on: per fold, a map fitted on one split and scored on the
   * other (ECE of the raw and of the calibrated confidence, and how often the count was right).
   */
  held_out?: {
    fit_on: string;
    scored_on: string;
    examples: number;
    ece_raw: number;
    ece_calibrated: number;
    /** ECE of the shipped calibration on the same images (a detector's own one ships only if it beats this). */
    ece_shipped?: number;
    accuracy: number;
  }[];
}

export interface LabelledCount {
  features: CountScoreFeatures;
  /** The model's count was the labelled count. */
  correct: boolean;
}

const EPS = 1e-4;
const logit = (p: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function countScoreFeatures(candidates: readonly Detection[], minScore: number): CountScoreFeatures {
  // The same split as detection.answers.ts splitAtThreshold (not imported: that module imports this one).
  const kept = candidates.filter((d) => d.score >= minScore);
  const dropped = candidates.filter((d) => d.score < minScore);
  const minKept = kept.length === 0 ? 1 : Math.min(...kept.map((d) => d.score));
  const maxDropped = Math.max(0, ...dropped.map((d) => d.score));
  return {
    raw: minKept * (1 - maxDropped),
    count: kept.length,
    minKept,
    maxDropped,
    nearThreshold: candidates.filter((d) => Math.abs(d.score - minScore) < 0.15).length,
  };
}

function vector(f: CountScoreFeatures): number[] {
  return [logit(f.raw), Math.log1p(f.count)];
}

/** P(count correct) under the calibration. */
export function calibratedCountConfidence(cal: CountCalibration, f: CountScoreFeatures): number {
  const x = vector(f);
  let z = cal.bias;
  for (let k = 0; k < x.length; k++) z += (cal.weights[k] ?? 0) * x[k]!;
  return sigmoid(z);
}

/** L2-regularised logistic regression on the labelled counts (standardised inside, weights returned raw). */
export function fitCountCalibration(
  examples: readonly LabelledCount[],
  opts: { l2?: number; source: string },
): CountCalibration {
  if (examples.length === 0) throw new RangeError('fitCountCalibration: no labelled counts');
  const l2 = opts.l2 ?? 1e-2;
  const xs = examples.map((e) => vector(e.features));
  const d = xs[0]!.length;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const x of xs) x.forEach((v, k) => (mean[k]! += v / xs.length));
  for (const x of xs) x.forEach((v, k) => (sd[k]! += (v - mean[k]!) ** 2 / xs.length));
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]!) || 1;
  const zs = xs.map((x) => x.map((v, k) => (v - mean[k]!) / sd[k]!));
  const ys = examples.map((e) => (e.correct ? 1 : 0));
  const n = examples.length;
  const objective = (p: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let z = p[d]!;
      for (let k = 0; k < d; k++) z += p[k]! * zs[i]![k]!;
      const q = sigmoid(z);
      loss -= ys[i]! ? Math.log(Math.max(q, 1e-12)) : Math.log(Math.max(1 - q, 1e-12));
      const g = (q - ys[i]!) / n;
      for (let k = 0; k < d; k++) grad[k]! += g * zs[i]![k]!;
      grad[d]! += g;
    }
    loss /= n;
    for (let k = 0; k < d; k++) {
      loss += l2 * p[k]! * p[k]!;
      grad[k]! += 2 * l2 * p[k]!;
    }
    return loss;
  };
  const { x } = minimizeLbfgs(objective, new Float64Array(d + 1), { maxIterations: 200 });
  const weights = Array.from({ length: d }, (_, k) => x[k]! / sd[k]!);
  const bias = x[d]! - weights.reduce((a, w, k) => a + w * mean[k]!, 0);
  return {
    method: 'logistic',
    features: [...COUNT_FEATURE_NAMES],
    weights,
    bias,
    fitted_examples: n,
    source: opts.source,
  };
}

/** The map that serves the raw confidence as it is (sigmoid(logit(raw))), for a detector whose raw is the better. */
export function identityCountCalibration(fittedExamples: number, source: string): CountCalibration {
  return {
    method: 'logistic',
    features: [...COUNT_FEATURE_NAMES],
    weights: [1, 0],
    bias: 0,
    fitted_examples: fittedExamples,
    source,
  };
}

/** Expected calibration error (equal-width bins) of binary confidences against outcomes. */
export function binaryEce(confidences: readonly number[], correct: readonly boolean[], bins = 10): number {
  const acc = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const cnt = new Array<number>(bins).fill(0);
  confidences.forEach((c, i) => {
    const b = Math.min(bins - 1, Math.floor(c * bins));
    cnt[b]!++;
    conf[b]! += c;
    acc[b]! += correct[i] ? 1 : 0;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]! > 0) ece += Math.abs(acc[b]! - conf[b]!) / confidences.length;
  return ece;
}

/** The built-in calibration of the COCO detector's counts (count-calibration.data.ts), null if none ships. */
export function shippedCountCalibration(): CountCalibration | null {
  return SHIPPED_COUNT_CALIBRATION;
}
