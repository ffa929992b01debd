/**
 * L2-regularised multinomial logistic (softmax) regression on backbone features, fitted with L-BFGS.
 * Features are not rescaled (the penalty is on the backbone's own, well-scaled post-ReLU6 averages), but they
 * are centred while fitting: with the bias unpenalised, W·(f − μ) + b′ is the same model as W·f + b for
 * b = b′ − W·μ, so the optimum is unchanged, and the all-positive features no longer pull every weight along
 * the bias direction. On 812 ten-class Fashion-MNIST features (1,792 dims) L-BFGS then converges in 199
 * iterations instead of stopping unconverged at the 500 cap (loss 0.13575 vs 0.13581; 20 s instead of 48 s).
 */
import { minimizeLbfgs } from './lbfgs';

export interface SoftmaxFitOptions {
  /** Strength of ½·l2·‖W‖² (bias not penalised). */
  l2?: number;
  maxIterations?: number;
}

export interface SoftmaxModel {
  numClasses: number;
  dim: number;
  /** Row-major [numClasses, dim]. */
  weights: Float32Array;
  bias: Float32Array;
  iterations: number;
  loss: number;
  converged: boolean;
}

export const DEFAULT_L2 = 1e-3;

export function fitSoftmaxRegression(
  features: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
  opts: SoftmaxFitOptions = {},
): SoftmaxModel {
  const n = features.length;
  if (n === 0 || n !== labels.length)
    throw new Error('fitSoftmaxRegression: features and labels must be non-empty and aligned');
  if (numClasses < 2) throw new Error('fitSoftmaxRegression: need at least 2 classes');
  const d = features[0]!.length;
  for (const y of labels)
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new Error(`label ${y} out of range`);
  const l2 = opts.l2 ?? DEFAULT_L2;
  const c = numClasses;
  const wSize = c * d;
  const logits = new Float64Array(c);
  const mu = new Float64Array(d);
  for (const f of features) for (let j = 0; j < d; j++) mu[j]! += f[j]! / n;
  // x = [W, b′], b′ the centred bias. W_k·μ once per evaluation, so centred logits cost no extra pass.
  const weightsDotMean = (x: Float64Array, k: number): number => {
    let s = 0;
    const off = k * d;
    for (let j = 0; j < d; j++) s += x[off + j]! * mu[j]!;
    return s;
  };
  const wMu = new Float64Array(c);

  const objective = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    for (let k = 0; k < c; k++) wMu[k] = weightsDotMean(x, k);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const f = features[i]!;
      let max = -Infinity;
      for (let k = 0; k < c; k++) {
        let s = x[wSize + k]! - wMu[k]!;
        const off = k * d;
        for (let j = 0; j < d; j++) s += x[off + j]! * f[j]!;
        logits[k] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let k = 0; k < c; k++) {
        logits[k] = Math.exp(logits[k]! - max);
        z += logits[k]!;
      }
      const y = labels[i]!;
      loss -= Math.log(logits[y]! / z);
      for (let k = 0; k < c; k++) {
        const r = (logits[k]! / z - (k === y ? 1 : 0)) / n;
        if (r === 0) continue;
        const off = k * d;
        for (let j = 0; j < d; j++) grad[off + j]! += r * f[j]!;
        grad[wSize + k]! += r;
      }
    }
    // The centring's term of ∂/∂W_k: −μ·Σ_i r_ik, and Σ_i r_ik is the bias gradient just summed.
    for (let k = 0; k < c; k++) {
      const off = k * d;
      const rk = grad[wSize + k]!;
      for (let j = 0; j < d; j++) grad[off + j]! -= rk * mu[j]!;
    }
    loss /= n;
    let reg = 0;
    for (let j = 0; j < wSize; j++) {
      reg += x[j]! * x[j]!;
      grad[j]! += l2 * x[j]!;
    }
    return loss + 0.5 * l2 * reg;
  };

  const res = minimizeLbfgs(objective, new Float64Array(wSize + c), {
    maxIterations: opts.maxIterations ?? 500,
    gradTolerance: 1e-6,
  });
  // Back to raw features: b = b′ − W·μ.
  const bias = Float32Array.from({ length: c }, (_, k) => res.x[wSize + k]! - weightsDotMean(res.x, k));
  return {
    numClasses: c,
    dim: d,
    weights: Float32Array.from(res.x.subarray(0, wSize)),
    bias,
    iterations: res.iterations,
    loss: res.loss,
    converged: res.converged,
  };
}

/** Class probabilities for one feature vector (the same math as the ONNX head, in float64). */
export function softmaxPredict(model: SoftmaxModel, f: Float32Array, temperature = 1): number[] {
  const out: number[] = [];
  let max = -Infinity;
  for (let k = 0; k < model.numClasses; k++) {
    let s = model.bias[k]!;
    for (let j = 0; j < model.dim; j++) s += model.weights[k * model.dim + j]! * f[j]!;
    s /= temperature;
    out.push(s);
    if (s > max) max = s;
  }
  let z = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = Math.exp(out[k]! - max);
    z += out[k]!;
  }
  return out.map((v) => v / z);
}

/**
 * Temperature T minimising held-out NLL (golden-section on log T in [1/20, 20]). Returns 1 when there are too
 * few held-out labels: a temperature fitted on a few dozen examples tends to make calibration worse.
 */
export function fitTemperature(
  logitsOrProbs: readonly number[][],
  labels: readonly number[],
  minExamples = 50,
): number {
  if (labels.length < minExamples) return 1;
  // Work from log-probabilities: softmax(log p / T) equals softmax(logits / T) up to a constant shift.
  const logp = logitsOrProbs.map((row) => row.map((p) => Math.log(Math.max(p, 1e-300))));
  const nll = (t: number): number => {
    let s = 0;
    for (let i = 0; i < logp.length; i++) {
      const row = logp[i]!.map((v) => v / t);
      const max = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - max), 0);
      s -= row[labels[i]!]! - max - Math.log(z);
    }
    return s / logp.length;
  };
  let lo = Math.log(1 / 20);
  let hi = Math.log(20);
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const a = hi - phi * (hi - lo);
    const b = lo + phi * (hi - lo);
    if (nll(Math.exp(a)) < nll(Math.exp(b))) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}
