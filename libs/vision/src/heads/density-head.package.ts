/**
 * The patch density head (density.head.ts) as a COUNT primary package on the backbone's spatial map, for a class
 * the COCO detector does not know: trained from reviewers' boxes (training/density.fit.ts), `input.source:
 * 'backbone_feature_map'`, `training.algorithm: 'density_map'`. The graph gives, per image, the 7×7 densities,
 * their sum (`count`) and a distribution over the detector's count classes ("0"…"max_count",
 * GREATER_THAN_MAX): the count's error is taken as Gaussian with the residual spread σ measured on held-out
 * images, so P(class k) = Φ((k + ½ − count)/σ) − Φ((k − ½ − count)/σ). That makes it a primary package like the
 * others (outputs.probabilities), and its top class and confidence are read the same way.
 */
import type { NormalisedBox } from '../detector/detection.decode';
import { encodeModel, floatTensor, floatValueInfo, int64Tensor, node } from '../onnx/onnx-builder';
import { buildCountHeadPackage, type CountHeadTarget } from '../package/head-package';
import type { ModelPackage } from '../package/model-package.types';
import type { DensityFitOptions, DensityModel } from '../training/density.fit';
import { boxDensityTarget, fitDensityRegression, predictDensity } from '../training/density.fit';
import { mulberry32 } from '../training/stratified-split';
import { COUNT_OUTPUT, DENSITY_INPUT, DENSITY_OUTPUT } from './density.head';

export const DENSITY_ALGORITHM = 'density_map';
export const COUNT_PROBABILITIES_OUTPUT = 'count_probabilities';
/** σ is never taken below this (a handful of held-out images can show almost no error). */
export const MIN_COUNT_SIGMA = 0.25;

export function buildDensityCountHead(model: DensityModel, maxCount: number, sigma: number): Uint8Array {
  const edges = Array.from({ length: maxCount + 1 }, (_, k) => k + 0.5);
  return encodeModel({
    name: 'patch_density_count_head',
    nodes: [
      node('Conv', [DENSITY_INPUT, 'W', 'B'], ['density_linear'], { kernel_shape: [1, 1] }),
      node('Relu', ['density_linear'], [DENSITY_OUTPUT]),
      node('ReduceSum', [DENSITY_OUTPUT, 'axes'], [COUNT_OUTPUT], { keepdims: 0 }),
      node('Unsqueeze', [COUNT_OUTPUT, 'axis1'], ['count_col']),
      // cdf[n, k] = Φ((edge_k − count)/σ) = ½(1 + erf((edge_k − count)/(σ√2)))
      node('Sub', ['edges', 'count_col'], ['edge_gap']),
      node('Mul', ['edge_gap', 'inv_scale'], ['edge_z']),
      node('Erf', ['edge_z'], ['edge_erf']),
      node('Add', ['edge_erf', 'one'], ['edge_erf1']),
      node('Mul', ['edge_erf1', 'half'], ['cdf']),
      node('Mul', ['count_col', 'zero'], ['zeros_col']),
      node('Add', ['zeros_col', 'one'], ['ones_col']),
      node('Concat', ['cdf', 'ones_col'], ['cdf_upper'], { axis: 1 }),
      node('Concat', ['zeros_col', 'cdf'], ['cdf_lower'], { axis: 1 }),
      node('Sub', ['cdf_upper', 'cdf_lower'], [COUNT_PROBABILITIES_OUTPUT]),
    ],
    initializers: [
      floatTensor('W', [1, model.dim, 1, 1], model.weights),
      floatTensor('B', [1], [model.bias]),
      int64Tensor('axes', [3], [1, 2, 3]),
      int64Tensor('axis1', [1], [1]),
      floatTensor('edges', [1, edges.length], edges),
      floatTensor('inv_scale', [1], [1 / (sigma * Math.SQRT2)]),
      floatTensor('one', [1], [1]),
      floatTensor('half', [1], [0.5]),
      floatTensor('zero', [1], [0]),
    ],
    inputs: [floatValueInfo(DENSITY_INPUT, ['N', model.dim, model.cells, model.cells])],
    outputs: [
      floatValueInfo(DENSITY_OUTPUT, ['N', 1, model.cells, model.cells]),
      floatValueInfo(COUNT_OUTPUT, ['N']),
      floatValueInfo(COUNT_PROBABILITIES_OUTPUT, ['N', maxCount + 2]),
    ],
  });
}

/** Reference for the graph's distribution (tests and training metrics). */
export function countClassProbabilities(count: number, maxCount: number, sigma: number): number[] {
  const cdf = (x: number): number => 0.5 * (1 + erf((x - count) / (sigma * Math.SQRT2)));
  const upper = Array.from({ length: maxCount + 1 }, (_, k) => cdf(k + 0.5));
  return [...upper, 1].map((u, k) => u - (k === 0 ? 0 : upper[k - 1]!));
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

export interface BoxedMap {
  id: string;
  /** The image's NCHW spatial map [dim·cells·cells] from the backbone. */
  map: Float32Array;
  /** The reviewer's boxes of the class (normalised to the image). */
  boxes: readonly NormalisedBox[];
}

export interface DensityTrainResult {
  model: DensityModel;
  sigma: number;
  metrics: {
    train_examples: number;
    held_out_examples: number;
    held_out_mae: number;
    held_out_rmse: number;
    /** MAE of always answering the training images' mean count. */
    held_out_mae_constant: number;
    /** Fraction of held-out images whose rounded count equals the number of boxes. */
    held_out_exact: number;
  };
  heldOutIds: string[];
}

/**
 * Fits the density head on a random 80% of the images and measures it on the other 20% (count = sum of the
 * cell densities vs the number of boxes). The package ships the model fitted on the 80%, so its metrics are
 * the held-out ones it will be judged by.
 */
export function trainDensityHead(
  examples: readonly BoxedMap[],
  dim: number,
  cells: number,
  opts: DensityFitOptions & { heldOutFraction?: number; seed?: number } = {},
): DensityTrainResult {
  if (examples.length < 5) throw new RangeError('trainDensityHead: at least 5 images with boxes are needed');
  const rng = mulberry32(opts.seed ?? 1);
  const order = examples.map((e) => ({ e, r: rng() })).sort((a, b) => a.r - b.r);
  const nTest = Math.max(1, Math.round(examples.length * (opts.heldOutFraction ?? 0.2)));
  const test = order.slice(0, nTest).map((o) => o.e);
  const train = order.slice(nTest).map((o) => o.e);
  const model = fitDensityRegression(
    train.map((e) => e.map),
    train.map((e) => boxDensityTarget(e.boxes, cells)),
    dim,
    cells,
    opts,
  );
  const truth = test.map((e) => e.boxes.length);
  const pred = test.map((e) => predictDensity(model, e.map).count);
  const mean = train.reduce((a, e) => a + e.boxes.length, 0) / train.length;
  const err = pred.map((p, i) => p - truth[i]!);
  const mae = err.reduce((a, v) => a + Math.abs(v), 0) / err.length;
  const rmse = Math.sqrt(err.reduce((a, v) => a + v * v, 0) / err.length);
  return {
    model,
    sigma: Math.max(MIN_COUNT_SIGMA, rmse),
    metrics: {
      train_examples: train.length,
      held_out_examples: test.length,
      held_out_mae: mae,
      held_out_rmse: rmse,
      held_out_mae_constant: truth.reduce((a, t) => a + Math.abs(t - mean), 0) / truth.length,
      held_out_exact: pred.filter((p, i) => Math.round(p) === truth[i]).length / truth.length,
    },
    heldOutIds: test.map((e) => e.id),
  };
}

export interface DensityPackageInput extends CountHeadTarget {
  trained: DensityTrainResult;
  className: string;
}

export function buildDensityPackage(input: DensityPackageInput): ModelPackage {
  const { model, sigma, metrics } = input.trained;
  return buildCountHeadPackage(input, {
    modelBytes: buildDensityCountHead(model, input.maxCount, sigma),
    input: { name: DENSITY_INPUT, source: 'backbone_feature_map' },
    outputs: { probabilities: COUNT_PROBABILITIES_OUTPUT },
    training: {
      algorithm: DENSITY_ALGORITHM,
      class_name: input.className,
      count_output: COUNT_OUTPUT,
      density_output: DENSITY_OUTPUT,
      max_count: input.maxCount,
      count_sigma: sigma,
      cells: model.cells,
      targets: 'reviewer boxes spread over the cells they cover',
    },
    metrics: { ...metrics },
  });
}
