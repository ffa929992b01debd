/**
 * Confidence calibration by temperature scaling, cross-fitted: the temperature is fitted on out-of-fold
 * predictions over the training split (every training label is scored by a model that did not see it), so the
 * held-out split stays untouched for measuring the result. MODELS.md: a temperature fitted on a few dozen
 * labels can make calibration worse, so it is fitted only with ≥ `minExamples` out-of-fold predictions and
 * kept only when it lowers their negative log-likelihood; otherwise T = 1 and the reason is recorded.
 */
import {
  expectedCalibrationError,
  fitSoftmaxRegression,
  fitTemperature,
  softmaxPredict,
  stratifiedFolds,
} from '@intellioptics/vision';

export interface CalibrationOptions {
  folds?: number;
  minExamples?: number;
  l2?: number;
  seed?: number;
}

export interface Calibration {
  method: 'temperature' | 'none';
  temperature: number;
  outOfFoldExamples: number;
  /** Out-of-fold NLL / ECE without and with the temperature (NaN when not cross-fitted). */
  nllBefore: number;
  nllAfter: number;
  eceBefore: number;
  eceAfter: number;
  reason: 'FITTED' | 'TOO_FEW_EXAMPLES' | 'NO_IMPROVEMENT';
}

export const DEFAULT_CALIBRATION_MIN_EXAMPLES = 60;

/** Probabilities tempered by T: softmax(log p / T). */
export function temper(p: readonly number[], temperature: number): number[] {
  if (temperature === 1) return [...p];
  const logp = p.map((v) => Math.log(Math.max(v, 1e-300)) / temperature);
  const m = Math.max(...logp);
  const e = logp.map((v) => Math.exp(v - m));
  const z = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / z);
}

export function meanNll(probs: readonly (readonly number[])[], labels: readonly number[]): number {
  let s = 0;
  probs.forEach((p, i) => (s -= Math.log(Math.max(p[labels[i]!]!, 1e-12))));
  return s / probs.length;
}

/** Out-of-fold class probabilities of softmax regression (k folds, stratified, seeded). */
export function outOfFoldProbabilities(
  features: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
  opts: { folds: number; l2?: number; seed?: number },
): (number[] | null)[] {
  const out: (number[] | null)[] = features.map(() => null);
  for (const fold of stratifiedFolds(labels, opts.folds, opts.seed ?? 1)) {
    if (fold.test.length === 0) continue;
    const trainLabels = fold.train.map((i) => labels[i]!);
    // A fold whose training part lacks a class would give that class no weight: skip its predictions.
    if (new Set(trainLabels).size < new Set(labels).size) continue;
    const model = fitSoftmaxRegression(
      fold.train.map((i) => features[i]!),
      trainLabels,
      numClasses,
      { l2: opts.l2 },
    );
    for (const i of fold.test) out[i] = softmaxPredict(model, features[i]!);
  }
  return out;
}

/**
 * The temperature, cross-fitted, and the out-of-fold probabilities it was fitted on (untempered, aligned with
 * `features`; null where no fold could score the example, all null with too few examples to cross-fit).
 */
export function crossFitCalibration(
  features: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
  opts: CalibrationOptions = {},
): { calibration: Calibration; outOfFold: (number[] | null)[] } {
  const minExamples = opts.minExamples ?? DEFAULT_CALIBRATION_MIN_EXAMPLES;
  const none = (reason: Calibration['reason'], n = 0): Calibration => ({
    method: 'none',
    temperature: 1,
    outOfFoldExamples: n,
    nllBefore: NaN,
    nllAfter: NaN,
    eceBefore: NaN,
    eceAfter: NaN,
    reason,
  });
  if (features.length < minExamples)
    return { calibration: none('TOO_FEW_EXAMPLES', 0), outOfFold: features.map(() => null) };
  const oof = outOfFoldProbabilities(features, labels, numClasses, {
    folds: opts.folds ?? 5,
    l2: opts.l2,
    seed: opts.seed,
  });
  const probs: number[][] = [];
  const ys: number[] = [];
  oof.forEach((p, i) => {
    if (p) {
      probs.push(p);
      ys.push(labels[i]!);
    }
  });
  if (probs.length < minExamples)
    return { calibration: none('TOO_FEW_EXAMPLES', probs.length), outOfFold: oof };
  const t = fitTemperature(probs, ys, minExamples);
  const tempered = probs.map((p) => temper(p, t));
  const nllBefore = meanNll(probs, ys);
  const nllAfter = meanNll(tempered, ys);
  const result: Calibration = {
    method: 'temperature',
    temperature: t,
    outOfFoldExamples: probs.length,
    nllBefore,
    nllAfter,
    eceBefore: expectedCalibrationError(probs, ys),
    eceAfter: expectedCalibrationError(tempered, ys),
    reason: 'FITTED',
  };
  if (!(nllAfter < nllBefore))
    return {
      calibration: { ...result, method: 'none', temperature: 1, reason: 'NO_IMPROVEMENT' },
      outOfFold: oof,
    };
  return { calibration: result, outOfFold: oof };
}
