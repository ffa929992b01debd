/**
 * Trains one candidate model version of a detector from labelled backbone features (cached per image by the
 * caller): stable stratified held-out split → softmax regression on the training split → cross-fitted
 * temperature → Mahalanobis OODD on the training split's in-domain features (τ from out-of-fold distances) →
 * held-out metrics → primary + OODD model packages with the metrics in predictor_metadata.json.
 *
 * The published heads are the ones fitted on the training split only, never refitted on the held-out labels,
 * so the held-out metrics describe exactly what gets published, and a later candidate can be compared with
 * this version on held-out images that neither has trained on (see held-out.split.ts).
 */
import { classLayout, type DetectorMode } from '@intellioptics/schema';
import type { MahalanobisOodd, ModelPackage, PipelineConfig } from '@intellioptics/vision';
import {
  DEFAULT_L2,
  buildDetectorPackages,
  buildNeighborIndex,
  fitMahalanobisOodd,
  fitSoftmaxRegression,
  softmaxPredict,
} from '@intellioptics/vision';
import { crossFitCalibration, temper, type Calibration } from './calibration.fit';
import { heldOutSplit } from './held-out.split';
import {
  auroc,
  evaluatePredictions,
  evaluationMetrics,
  metricsRecord,
  recallMetrics,
  type HeldOutEvaluation,
  type Prediction,
} from './metrics.evaluate';
import { subclusterLabels } from './oodd-clusters';
import { mahalanobisScorer } from './oodd.scorer';
import type { RecursiveTrainSettings } from './recursive.candidate';

export interface LabelledExample {
  /** Stable image id (the image query id): decides the held-out side. */
  id: string;
  features: Float32Array;
  /** The human label, wire value (YES/NO/UNCLEAR, a class name, a count or GREATER_THAN_MAX). */
  label: string;
}

export interface DetectorSpec {
  id: string;
  mode: DetectorMode;
  modeConfiguration?: Record<string, unknown> | null;
  confidenceThreshold: number;
}

export interface BackboneSpec {
  id: string;
  sha256: string;
  featureDim: number;
}

export interface TrainOptions {
  l2?: number;
  heldOutFraction?: number;
  calibrationFolds?: number;
  minCalibrationExamples?: number;
  /** k-means sub-clusters per class for the OODD means (1 = class means only). */
  ooddClustersPerClass?: number;
  /** Cap on the samples behind the OODD covariance (cost grows with its square; default 400). */
  ooddMaxCovarianceSamples?: number;
  seed?: number;
  /** The recursive reasoning head's training (recursive.candidate.ts), when the detector trains one. */
  recursive?: RecursiveTrainSettings;
}

export interface TrainingProgress {
  stage: 'split' | 'calibration' | 'primary' | 'oodd' | 'evaluation' | 'package';
  fraction: number;
  message: string;
}

export interface TrainCandidateInput {
  detector: DetectorSpec;
  examples: readonly LabelledExample[];
  /** Known out-of-domain images (for the OODD AUROC metric only; never trained on). */
  outOfDomain?: readonly Float32Array[];
  backbone: BackboneSpec;
  pipeline: PipelineConfig;
  /** model_id.txt of each package (the cloud's model version ids); default: derived from the sha256. */
  modelIds?: { primary: string; oodd: string };
  options?: TrainOptions;
  now?: () => Date;
  onProgress?: (p: TrainingProgress) => void;
}

export interface Candidate {
  primary: ModelPackage;
  oodd: ModelPackage;
  classNames: string[];
  evaluation: HeldOutEvaluation;
  /** Held-out labels (class indices), aligned with evaluation.exampleIds. */
  heldOutLabels: number[];
  calibration: Calibration;
  /** Flat numbers, also in both packages' predictor_metadata.json `metrics`. */
  metrics: Record<string, number>;
  examplesPerClass: Record<string, number>;
  skippedLabels: number;
  trainSeconds: number;
  /**
   * Untempered class probabilities of every usable example from a softmax regression that never trained on
   * it: its calibration fold's for a training label, the primary's for a held-out one (the escalation
   * policy's history reads them instead of fitting k more folds). Absent for an example no fold scored.
   */
  outOfSample: ReadonlyMap<string, readonly number[]>;
  /** The published heads' math in float64 (same as the ONNX heads). */
  predict(features: Float32Array): Prediction;
}

export const DEFAULT_HELD_OUT_FRACTION = 0.2;
export const MIN_LABELS_PER_CLASS = 2;

export class NotEnoughLabelsError extends Error {
  override readonly name = 'NotEnoughLabelsError';
  constructor(readonly examplesPerClass: Record<string, number>) {
    super(
      `need ≥ 2 classes with ≥ ${MIN_LABELS_PER_CLASS} labels each, have ${JSON.stringify(examplesPerClass)}`,
    );
  }
}

export const DEFAULT_OODD_MAX_COVARIANCE_SAMPLES = 400;

/**
 * The detector's OODD model on in-domain features: class-conditional (optionally k-means sub-cluster) means,
 * shared Ledoit–Wolf covariance on raw features, τ = q95 and s = (q95 − q50)/ln 19 of out-of-fold distances.
 */
export function fitDetectorOodd(
  features: readonly Float32Array[],
  labels: readonly number[],
  opts: Pick<TrainOptions, 'ooddClustersPerClass' | 'ooddMaxCovarianceSamples' | 'seed'> = {},
): MahalanobisOodd {
  const perClass = opts.ooddClustersPerClass ?? 1;
  const groups = perClass > 1 ? subclusterLabels(features, labels, perClass, opts.seed ?? 1) : labels;
  return fitMahalanobisOodd(features, groups, {
    seed: opts.seed,
    maxCovarianceSamples: opts.ooddMaxCovarianceSamples ?? DEFAULT_OODD_MAX_COVARIANCE_SAMPLES,
  });
}

export function trainCandidate(input: TrainCandidateInput): Candidate {
  const t0 = performance.now();
  const opts = input.options ?? {};
  const progress = (stage: TrainingProgress['stage'], fraction: number, message: string): void =>
    input.onProgress?.({ stage, fraction, message });
  const layout = classLayout(input.detector.mode, input.detector.modeConfiguration);
  const { classNames } = layout;
  const c = classNames.length;
  const usable: { id: string; features: Float32Array; classIndex: number }[] = [];
  for (const e of input.examples) {
    const k = layout.indexOf(e.label);
    if (k === null) continue;
    if (e.features.length !== input.backbone.featureDim)
      throw new RangeError(
        `example ${e.id} has ${e.features.length} features, expected ${input.backbone.featureDim}`,
      );
    usable.push({ id: e.id, features: e.features, classIndex: k });
  }
  const examplesPerClass = Object.fromEntries(
    classNames.map((name, k) => [name, usable.filter((u) => u.classIndex === k).length]),
  );
  const present = Object.values(examplesPerClass).filter((v) => v >= MIN_LABELS_PER_CLASS).length;
  if (present < 2) throw new NotEnoughLabelsError(examplesPerClass);
  // Classes with a single label cannot be both trained and held out: they train only.
  const split = heldOutSplit(usable, opts.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION);
  const train = split.train.map((i) => usable[i]!);
  const held = split.heldOut.map((i) => usable[i]!);
  progress('split', 0.05, `${usable.length} labels: ${train.length} train, ${held.length} held out`);

  const l2 = opts.l2 ?? DEFAULT_L2;
  const trainX = train.map((u) => u.features);
  const trainY = train.map((u) => u.classIndex);
  const { calibration, outOfFold } = crossFitCalibration(trainX, trainY, c, {
    folds: opts.calibrationFolds ?? 5,
    minExamples: opts.minCalibrationExamples,
    l2,
    seed: opts.seed,
  });
  progress(
    'calibration',
    0.45,
    calibration.method === 'temperature'
      ? `temperature ${calibration.temperature.toFixed(3)} from ${calibration.outOfFoldExamples} out-of-fold predictions`
      : `no temperature (${calibration.reason}, ${calibration.outOfFoldExamples} out-of-fold predictions)`,
  );

  const model = fitSoftmaxRegression(trainX, trainY, c, { l2 });
  progress(
    'primary',
    0.6,
    `softmax regression: ${model.iterations} L-BFGS iterations, loss ${model.loss.toFixed(4)}`,
  );

  const perClass = opts.ooddClustersPerClass ?? 1;
  const oodd = fitDetectorOodd(trainX, trainY, opts);
  progress(
    'oodd',
    0.8,
    `Mahalanobis OODD: ${oodd.numMeans} means, τ ${oodd.tau.toFixed(3)}, s ${oodd.slope.toFixed(3)}`,
  );

  const temperature = calibration.temperature;
  const score = mahalanobisScorer(oodd);
  const predict = (f: Float32Array): Prediction => ({
    probabilities: temper(softmaxPredict(model, f), temperature),
    inDomain: score(f).inDomain,
  });
  const heldPredictions = held.map((u) => predict(u.features));
  const outOfSample = new Map<string, readonly number[]>();
  train.forEach((u, i) => {
    const p = outOfFold[i];
    if (p) outOfSample.set(u.id, p);
  });
  for (const u of held) outOfSample.set(u.id, softmaxPredict(model, u.features));
  const evaluation = evaluatePredictions({
    exampleIds: held.map((u) => u.id),
    labels: held.map((u) => u.classIndex),
    predictions: heldPredictions,
    classNames,
    threshold: input.detector.confidenceThreshold,
  });
  let ooddAuroc: number | undefined;
  if (input.outOfDomain && input.outOfDomain.length > 0 && held.length > 0) {
    // Score = in-domain probability; positives are held-out in-domain images.
    ooddAuroc = auroc(
      heldPredictions.map((p) => p.inDomain ?? 0),
      input.outOfDomain.map((f) => score(f).inDomain),
    );
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const metrics = metricsRecord({
    held_out_examples: evaluation.n,
    train_examples: train.length,
    ...evaluationMetrics(evaluation),
    oodd_auroc: ooddAuroc,
    oodd_out_of_domain_examples: input.outOfDomain?.length,
    oodd_held_out_in_domain_below_half:
      held.length > 0
        ? heldPredictions.filter((p) => (p.inDomain ?? 1) < 0.5).length / held.length
        : undefined,
    temperature,
    calibration_out_of_fold_examples: calibration.outOfFoldExamples,
    train_seconds: trainSeconds,
    ...recallMetrics(evaluation),
  });
  progress(
    'evaluation',
    0.9,
    `held out ${evaluation.n}: accuracy ${fmt(evaluation.accuracy)}, ECE ${fmt(evaluation.ece)}`,
  );

  const { primary, oodd: ooddPkg } = buildDetectorPackages({
    primary: {
      model,
      temperature,
      calibration:
        calibration.method === 'temperature'
          ? { method: 'temperature', temperature, held_out_examples: calibration.outOfFoldExamples }
          : { method: 'none' },
      training: {
        l2,
        examples_per_class: examplesPerClass,
        held_out_split: {
          method: 'id_hash_stratified',
          fraction: opts.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION,
        },
        calibration: {
          method: 'temperature_cross_fitted',
          reason: calibration.reason,
          folds: opts.calibrationFolds ?? 5,
          out_of_fold_nll_before: finiteOrNull(calibration.nllBefore),
          out_of_fold_nll_after: finiteOrNull(calibration.nllAfter),
          out_of_fold_ece_before: finiteOrNull(calibration.eceBefore),
          out_of_fold_ece_after: finiteOrNull(calibration.eceAfter),
        },
      },
      metrics,
      // Every usable label (both splits): the explanation's nearest labelled examples.
      neighborIndex: buildNeighborIndex(usable),
    },
    oodd: {
      fit: oodd,
      training: {
        tau_from: 'out_of_fold_in_domain_distances_q95',
        means: oodd.numMeans,
        clusters_per_class: perClass,
        max_covariance_samples: opts.ooddMaxCovarianceSamples ?? DEFAULT_OODD_MAX_COVARIANCE_SAMPLES,
      },
      metrics,
    },
    pipeline: input.pipeline,
    backbone: input.backbone,
    modelIds: input.modelIds,
    metadata: {
      mode: input.detector.mode,
      detectorId: input.detector.id,
      classNames,
      createdAt: (input.now ?? (() => new Date()))().toISOString(),
    },
  });
  progress('package', 1, `packages built in ${trainSeconds.toFixed(2)} s`);
  return {
    primary,
    oodd: ooddPkg,
    classNames,
    evaluation,
    heldOutLabels: held.map((u) => u.classIndex),
    calibration,
    metrics,
    examplesPerClass,
    skippedLabels: input.examples.length - usable.length,
    trainSeconds,
    outOfSample,
    predict,
  };
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
