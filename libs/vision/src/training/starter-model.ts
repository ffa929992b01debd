/**
 * Trains a detector's first primary + OODD packages from labelled backbone features: softmax regression
 * (evaluated on a stratified held-out split, temperature-calibrated only when that split is big enough),
 * then refitted on every label; Mahalanobis OODD fitted on every in-domain image with cross-fitted τ.
 * Pure apart from the clock: the caller embeds images and writes the packages.
 */
import type { BackboneInfo } from '../backbone/backbone.cache';
import type { ModelPackage, VisionMode } from '../package/model-package.types';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import { buildDetectorPackages } from './detector-packages';
import { fitMahalanobisOodd } from './mahalanobis.fit';
import { DEFAULT_L2, fitSoftmaxRegression, fitTemperature, softmaxPredict } from './softmax-regression';
import { stratifiedSplit } from './stratified-split';

export interface LabelledFeatures {
  features: Float32Array[];
  /** Index into classNames for each feature vector. */
  labels: number[];
  classNames: string[];
}

export interface StarterModelOptions {
  mode: VisionMode;
  detectorId?: string | null;
  l2?: number;
  testFraction?: number;
  seed?: number;
  /** Minimum held-out labels before a temperature is fitted (default 50). */
  minCalibrationExamples?: number;
  now?: () => Date;
}

export interface StarterModels {
  primary: ModelPackage;
  oodd: ModelPackage;
  metrics: { heldOutAccuracy: number; heldOutExamples: number; temperature: number; trainSeconds: number };
}

/** Class names for a COUNT detector: "0" … "max", then GREATER_THAN_MAX (libs/schema class-layout). */
export { countClassNames } from '@intellioptics/schema';

/** Expected calibration error with equal-width bins on the top-class confidence. */
export function expectedCalibrationError(
  probs: readonly number[][],
  labels: readonly number[],
  bins = 10,
): number {
  const acc = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const cnt = new Array<number>(bins).fill(0);
  probs.forEach((p, i) => {
    const top = p.indexOf(Math.max(...p));
    const c = p[top]!;
    const b = Math.min(bins - 1, Math.floor(c * bins));
    cnt[b]!++;
    conf[b]! += c;
    acc[b]! += top === labels[i] ? 1 : 0;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]! > 0) ece += Math.abs(acc[b]! - conf[b]!) / probs.length;
  return ece;
}

export function trainStarterModels(
  backbone: BackboneInfo,
  pipeline: PipelineConfig,
  data: LabelledFeatures,
  opts: StarterModelOptions,
): StarterModels {
  const t0 = performance.now();
  const { features, labels, classNames } = data;
  const c = classNames.length;
  if (c < 2) throw new Error('need at least 2 classes');
  for (let k = 0; k < c; k++) {
    if (labels.filter((y) => y === k).length < 2)
      throw new Error(`class ${classNames[k]} needs at least 2 labelled images`);
  }
  const fitOpts = { l2: opts.l2 };

  const split = stratifiedSplit(labels, opts.testFraction ?? 0.25, opts.seed ?? 1);
  const evalModel = fitSoftmaxRegression(
    split.train.map((i) => features[i]!),
    split.train.map((i) => labels[i]!),
    c,
    fitOpts,
  );
  const heldProbs = split.test.map((i) => softmaxPredict(evalModel, features[i]!));
  const heldLabels = split.test.map((i) => labels[i]!);
  const correct = heldProbs.filter((p, j) => p.indexOf(Math.max(...p)) === heldLabels[j]).length;
  const heldOutAccuracy = split.test.length > 0 ? correct / split.test.length : NaN;
  const temperature = fitTemperature(heldProbs, heldLabels, opts.minCalibrationExamples ?? 50);
  const ece = expectedCalibrationError(
    heldProbs.map((p) => {
      const logp = p.map((v) => Math.log(Math.max(v, 1e-300)) / temperature);
      const m = Math.max(...logp);
      const z = logp.reduce((a, v) => a + Math.exp(v - m), 0);
      return logp.map((v) => Math.exp(v - m) / z);
    }),
    heldLabels,
  );

  const final = fitSoftmaxRegression(features, labels, c, fitOpts);
  const oodd = fitMahalanobisOodd(features, labels, { seed: opts.seed });
  const trainSeconds = (performance.now() - t0) / 1000;
  const perClass = Object.fromEntries(
    classNames.map((name, k) => [name, labels.filter((y) => y === k).length]),
  );
  const { primary, oodd: ooddPkg } = buildDetectorPackages({
    primary: {
      model: final,
      temperature,
      calibration:
        temperature === 1
          ? { method: 'none' }
          : { method: 'temperature', temperature, held_out_examples: split.test.length },
      training: { l2: opts.l2 ?? DEFAULT_L2, examples_per_class: perClass },
      metrics: {
        held_out_accuracy: heldOutAccuracy,
        held_out_examples: split.test.length,
        held_out_ece: ece,
        train_examples: features.length,
        train_seconds: trainSeconds,
      },
    },
    oodd: {
      fit: oodd,
      training: { class_conditional_means: oodd.numMeans },
      metrics: { in_domain_examples: features.length },
    },
    pipeline,
    backbone,
    modelIds: { prefix: 'starter-' },
    metadata: {
      mode: opts.mode,
      detectorId: opts.detectorId ?? null,
      classNames,
      createdAt: (opts.now ?? (() => new Date()))().toISOString(),
    },
  });
  return {
    primary,
    oodd: ooddPkg,
    metrics: { heldOutAccuracy, heldOutExamples: split.test.length, temperature, trainSeconds },
  };
}
