/**
 * Training of the recursive head on cached projected tokens: seeded minibatch Adam over the deep-supervision
 * loss, then a temperature fitted on held-out examples. Prediction halts at the first step whose halting
 * probability reaches ½ (at most T steps).
 */
import { mulberry32 } from '../training/stratified-split';
import { fitTemperature } from '../training/softmax-regression';
import type { RecursiveHeadConfig, StepOutput } from './recursive-head.model';
import {
  DEFAULT_RECURSIVE_CONFIG,
  forwardSteps,
  initParameters,
  lossAndGradient,
  parameterCount,
} from './recursive-head.model';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Adam with decoupled weight decay (AdamW), in place on a flat float32 buffer. */
export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  constructor(
    size: number,
    private readonly opts: AdamOptions,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  step(params: Float32Array, grad: Float32Array, learningRate = this.opts.learningRate): void {
    const b1 = this.opts.beta1 ?? 0.9;
    const b2 = this.opts.beta2 ?? 0.999;
    const eps = this.opts.epsilon ?? 1e-8;
    const wd = this.opts.weightDecay ?? 0;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g;
      params[i]! -= learningRate * (this.m[i]! / c1 / (Math.sqrt(this.v[i]! / c2) + eps) + wd * params[i]!);
    }
  }
}

export interface RecursiveTrainOptions {
  config?: Partial<Omit<RecursiveHeadConfig, 'tokens' | 'inDim' | 'classes'>>;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  seed?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface RecursiveHead {
  config: RecursiveHeadConfig;
  params: Float32Array;
  temperature: number;
  /** Halting probability at which prediction stops (calibrateHalting); absent → HALT_THRESHOLD. */
  haltThreshold?: number;
  epochs: number;
  finalLoss: number;
}

export const DEFAULT_EPOCHS = 30;

/** Trains on projected tokens (each [tokens, inDim]) and class labels. */
export function trainRecursiveHead(
  tokens: readonly Float32Array[],
  labels: readonly number[],
  shape: { tokens: number; inDim: number; classes: number },
  opts: RecursiveTrainOptions = {},
): Omit<RecursiveHead, 'temperature'> {
  if (tokens.length === 0 || tokens.length !== labels.length)
    throw new Error('trainRecursiveHead: tokens and labels must be non-empty and aligned');
  const config: RecursiveHeadConfig = { ...DEFAULT_RECURSIVE_CONFIG, ...opts.config, ...shape };
  const seed = opts.seed ?? 1;
  const params = initParameters(config, seed);
  const grad = new Float32Array(parameterCount(config));
  const lr = opts.learningRate ?? 3e-3;
  const adam = new Adam(params.length, { learningRate: lr, weightDecay: opts.weightDecay ?? 1e-4 });
  const rng = mulberry32(seed + 1);
  const epochs = opts.epochs ?? DEFAULT_EPOCHS;
  const batch = opts.batchSize ?? 32;
  const order = tokens.map((_, i) => i);
  const updates = epochs * Math.ceil(order.length / batch);
  let update = 0;
  let finalLoss = NaN;
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let total = 0;
    for (let b = 0; b < order.length; b += batch) {
      const idx = order.slice(b, b + batch);
      grad.fill(0);
      for (const i of idx)
        total += lossAndGradient(config, params, tokens[i]!, labels[i]!, grad, 1 / idx.length);
      // Cosine decay to a tenth: late epochs settle instead of bouncing.
      const lrNow = lr * (0.1 + 0.45 * (1 + Math.cos((Math.PI * update++) / updates)));
      adam.step(params, grad, lrNow);
    }
    finalLoss = total / order.length;
    opts.onEpoch?.(e + 1, finalLoss);
  }
  return { config, params, epochs, finalLoss };
}

export interface ReasoningStep {
  probabilities: number[];
  haltProbability: number;
  attention: Float32Array;
}

export interface RecursivePrediction {
  /** The answer where it halted. */
  probabilities: number[];
  /** Steps run until halting (1-based index of the answering step). */
  haltedAt: number;
  steps: ReasoningStep[];
}

function softmaxT(logits: Float32Array, temperature: number): number[] {
  const s = Array.from(logits, (l) => l / temperature);
  const max = Math.max(...s);
  const e = s.map((v) => Math.exp(v - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

export const HALT_THRESHOLD = 0.5;

/** The 1-based step a run halts at: the first with halt probability ≥ threshold, else the last. */
export function haltStep(haltProbabilities: ArrayLike<number>, threshold: number): number {
  for (let i = 0; i < haltProbabilities.length; i++) if (haltProbabilities[i]! >= threshold) return i + 1;
  return haltProbabilities.length;
}

/** Steps with calibrated probabilities; halts at the first step with halt probability ≥ threshold (or the last). */
export function interpretSteps(
  outputs: StepOutput[],
  temperature: number,
  haltThreshold = HALT_THRESHOLD,
): RecursivePrediction {
  const steps = outputs.map((o) => ({
    probabilities: softmaxT(o.logits, temperature),
    haltProbability: 1 / (1 + Math.exp(-o.haltLogit)),
    attention: o.attention,
  }));
  const haltedAt = haltStep(
    steps.map((s) => s.haltProbability),
    haltThreshold,
  );
  return { probabilities: steps[haltedAt - 1]!.probabilities, haltedAt, steps };
}

export function predictRecursive(head: RecursiveHead, tokens: Float32Array): RecursivePrediction {
  return interpretSteps(
    forwardSteps(head.config, head.params, tokens),
    head.temperature,
    head.haltThreshold ?? HALT_THRESHOLD,
  );
}

/** Candidate halting thresholds, most eager first; above 1 = never halt early (always T steps). */
export const HALT_THRESHOLDS: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.01];

/**
 * The most eager halting threshold that loses no accuracy against running all T steps on calibration examples
 * (argmax only: temperature does not move it). The halting output is trained on "this step's answer is right",
 * which is true at step 1 for most images, so at ½ it stops at step 1 even where later steps fix answers; this
 * keeps early exit only as far as it is free. Returns the threshold and the mean halting step it gives.
 */
export function calibrateHalting(
  head: Omit<RecursiveHead, 'temperature' | 'haltThreshold'>,
  tokens: readonly Float32Array[],
  labels: readonly number[],
): { threshold: number; meanSteps: number; accuracyAllSteps: number; accuracyHalted: number } {
  const runs = tokens.map((t) => forwardSteps(head.config, head.params, t));
  const argmax = (l: Float32Array): number => l.reduce((b, v, k, a) => (v > a[b]! ? k : b), 0);
  const T = head.config.steps;
  const accuracy = (threshold: number): { acc: number; steps: number } => {
    let right = 0;
    let steps = 0;
    runs.forEach((r, i) => {
      const at = haltStep(
        r.map((o) => 1 / (1 + Math.exp(-o.haltLogit))),
        threshold,
      );
      steps += at;
      if (argmax(r[at - 1]!.logits) === labels[i]) right++;
    });
    return { acc: right / Math.max(1, runs.length), steps: steps / Math.max(1, runs.length) };
  };
  const full = accuracy(Infinity);
  for (const threshold of HALT_THRESHOLDS) {
    const a = accuracy(threshold);
    if (runs.length > 0 && a.acc >= full.acc)
      return { threshold, meanSteps: a.steps, accuracyAllSteps: full.acc, accuracyHalted: a.acc };
  }
  return {
    threshold: HALT_THRESHOLDS.at(-1)!,
    meanSteps: T,
    accuracyAllSteps: full.acc,
    accuracyHalted: full.acc,
  };
}

/**
 * Halting threshold (calibrateHalting), then the temperature of the halted answer's logits on the same
 * calibration examples (fitTemperature: 1 below 50 examples).
 */
export function calibrateRecursiveHead(
  head: Omit<RecursiveHead, 'temperature' | 'haltThreshold'>,
  tokens: readonly Float32Array[],
  labels: readonly number[],
): RecursiveHead {
  const haltThreshold = calibrateHalting(head, tokens, labels).threshold;
  const probs = tokens.map(
    (t) => predictRecursive({ ...head, temperature: 1, haltThreshold }, t).probabilities,
  );
  return { ...head, haltThreshold, temperature: fitTemperature(probs, labels) };
}
