/**
 * OODD model: class-conditional means + one shared covariance with Ledoit–Wolf shrinkage, on the raw
 * backbone features (standardising them first hurt AUROC badly, see MODELS.md). The covariance is never
 * formed (D = 1792): with n ≤ D centred samples X, Σ = λI + BᵀB with B = √((1−α)/n)·X, and Woodbury gives
 * yᵀΣ⁻¹y = (‖y‖² − ‖G·y‖²)/λ with G = L⁻¹B, L·Lᵀ = λI + B·Bᵀ (n×n). Cost O(n²·D).
 *
 * The distance → probability map uses out-of-fold distances (cross-fitting), because τ taken from the
 * training images' own distances answers almost nothing: τ = q95, s = (q95 − q50)/ln 19.
 */
import { choleskyInPlace, forwardSubstituteInPlace, gram, quantile } from './linalg';
import { mulberry32, shuffleInPlace, stratifiedFolds } from './stratified-split';

export interface MahalanobisCore {
  dim: number;
  numMeans: number;
  /** Row-major [numMeans, dim]. */
  means: Float32Array;
  /** Shrinkage intensity α in [0,1] (1 = isotropic). */
  shrinkage: number;
  isoScale: number;
  /** Row-major [rank, dim], already divided by √λ. */
  projection: Float32Array;
  rank: number;
}

export interface MahalanobisOodd extends MahalanobisCore {
  tau: number;
  slope: number;
  q50: number;
  q95: number;
  heldOutCount: number;
}

export interface MahalanobisFitOptions {
  /** Cap on samples used for the covariance (cost grows with its square); means use every sample. */
  maxCovarianceSamples?: number;
  folds?: number;
  seed?: number;
  minShrinkage?: number;
}

export function fitMahalanobisCore(
  features: readonly Float32Array[],
  labels: readonly number[],
  opts: MahalanobisFitOptions = {},
): MahalanobisCore {
  const n = features.length;
  if (n < 2) throw new Error('Mahalanobis fit needs at least 2 samples');
  const d = features[0]!.length;
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const meanIndex = new Map(classes.map((c, i) => [c, i]));
  const k = classes.length;
  const means = new Float64Array(k * d);
  const counts = new Array<number>(k).fill(0);
  features.forEach((f, i) => {
    const m = meanIndex.get(labels[i]!)!;
    counts[m]!++;
    for (let j = 0; j < d; j++) means[m * d + j]! += f[j]!;
  });
  for (let m = 0; m < k; m++) for (let j = 0; j < d; j++) means[m * d + j]! /= counts[m]!;

  let rows = features.map((_, i) => i);
  const cap = opts.maxCovarianceSamples ?? 600;
  if (rows.length > cap) rows = shuffleInPlace(rows, mulberry32(opts.seed ?? 7)).slice(0, cap);
  const r = rows.length;
  const x = new Float64Array(r * d);
  rows.forEach((i, row) => {
    const f = features[i]!;
    const m = meanIndex.get(labels[i]!)!;
    for (let j = 0; j < d; j++) x[row * d + j] = f[j]! - means[m * d + j]!;
  });
  const kmat = gram(x, r, d);

  // Ledoit–Wolf shrinkage towards μ·I, all from the Gram matrix (S = XᵀX/r).
  let trS = 0;
  let frob2 = 0;
  for (let i = 0; i < r; i++) trS += kmat[i * r + i]!;
  trS /= r;
  for (let i = 0; i < r * r; i++) frob2 += kmat[i]! * kmat[i]!;
  const s2 = frob2 / (r * r);
  const mu = trS / d;
  const delta2 = s2 - 2 * mu * trS + mu * mu * d;
  let beta2 = 0;
  for (let i = 0; i < r; i++) {
    let rowSq = 0;
    for (let j = 0; j < r; j++) rowSq += kmat[i * r + j]! ** 2;
    beta2 += kmat[i * r + i]! ** 2 - (2 * rowSq) / r + s2;
  }
  beta2 /= r * r;
  let alpha = delta2 > 0 ? Math.min(beta2, delta2) / delta2 : 1;
  alpha = Math.min(1, Math.max(opts.minShrinkage ?? 0.01, alpha));
  const lambda = alpha * mu;
  if (!(lambda > 0)) throw new Error('Mahalanobis fit: features have no variance');

  let projection = new Float32Array(0);
  let rank = 0;
  if (alpha < 1) {
    const c = (1 - alpha) / r;
    const m = new Float64Array(r * r);
    for (let i = 0; i < r * r; i++) m[i] = c * kmat[i]!;
    for (let i = 0; i < r; i++) m[i * r + i]! += lambda;
    choleskyInPlace(m, r);
    const g = new Float64Array(r * d);
    const bScale = Math.sqrt(c);
    for (let i = 0; i < r * d; i++) g[i] = bScale * x[i]!;
    forwardSubstituteInPlace(m, r, g, d);
    const inv = 1 / Math.sqrt(lambda);
    projection = Float32Array.from(g, (v) => v * inv);
    rank = r;
  }
  return {
    dim: d,
    numMeans: k,
    means: Float32Array.from(means),
    shrinkage: alpha,
    isoScale: 1 / lambda,
    projection,
    rank,
  };
}

/**
 * Distance of one feature vector to the nearest class mean, term by term as the ONNX head computes it (the
 * reference; `mahalanobisDistancer` is the fast form of the same math for many images).
 */
export function mahalanobisDistance(model: MahalanobisCore, f: Float32Array): number {
  const { dim: d, rank } = model;
  let best = Infinity;
  const y = new Float64Array(d);
  for (let m = 0; m < model.numMeans; m++) {
    let iso = 0;
    for (let j = 0; j < d; j++) {
      y[j] = f[j]! - model.means[m * d + j]!;
      iso += y[j]! * y[j]!;
    }
    let proj = 0;
    for (let i = 0; i < rank; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += model.projection[i * d + j]! * y[j]!;
      proj += s * s;
    }
    best = Math.min(best, model.isoScale * iso - proj);
  }
  return Math.sqrt(Math.max(0, best));
}

/**
 * `mahalanobisDistance` for many images: the low-rank term ‖G(x − μ_k)‖² is ‖Gx − Gμ_k‖² with every Gμ_k
 * computed once, so an image costs one rank×D product instead of one per mean (10× less for ten classes,
 * which made the OODD fit's out-of-fold distances the slowest part of a ten-class training).
 */
export function mahalanobisDistancer(model: MahalanobisCore): (f: Float32Array) => number {
  const { dim: d, rank: r, numMeans: k, projection: g, means } = model;
  const gMeans = new Float64Array(k * r);
  for (let c = 0; c < k; c++)
    for (let i = 0; i < r; i++) {
      let s = 0;
      const po = i * d;
      const mo = c * d;
      for (let j = 0; j < d; j++) s += g[po + j]! * means[mo + j]!;
      gMeans[c * r + i] = s;
    }
  const z = new Float64Array(r);
  return (f) => {
    // z = G·f, four rows of G per pass over f (independent sums, each f[j] loaded once for four).
    let i = 0;
    for (; i + 3 < r; i += 4) {
      const p0 = i * d;
      const p1 = p0 + d;
      const p2 = p1 + d;
      const p3 = p2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < d; j++) {
        const x = f[j]!;
        s0 += g[p0 + j]! * x;
        s1 += g[p1 + j]! * x;
        s2 += g[p2 + j]! * x;
        s3 += g[p3 + j]! * x;
      }
      z[i] = s0;
      z[i + 1] = s1;
      z[i + 2] = s2;
      z[i + 3] = s3;
    }
    for (; i < r; i++) {
      let s = 0;
      const po = i * d;
      for (let j = 0; j < d; j++) s += g[po + j]! * f[j]!;
      z[i] = s;
    }
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      let iso = 0;
      const mo = c * d;
      for (let j = 0; j < d; j++) {
        const y = f[j]! - means[mo + j]!;
        iso += y * y;
      }
      let proj = 0;
      for (let i = 0; i < r; i++) {
        const y = z[i]! - gMeans[c * r + i]!;
        proj += y * y;
      }
      best = Math.min(best, model.isoScale * iso - proj);
    }
    return Math.sqrt(Math.max(0, best));
  };
}

export function inDomainProbability(model: Pick<MahalanobisOodd, 'tau' | 'slope'>, distance: number): number {
  return 1 / (1 + Math.exp(-(model.tau - distance) / model.slope));
}

export function fitMahalanobisOodd(
  features: readonly Float32Array[],
  labels: readonly number[],
  opts: MahalanobisFitOptions = {},
): MahalanobisOodd {
  const n = features.length;
  if (n < 4) throw new Error('OODD fit needs at least 4 in-domain images');
  const k = Math.min(opts.folds ?? 5, n);
  const heldOut: number[] = [];
  for (const fold of stratifiedFolds(labels, k, opts.seed ?? 1)) {
    if (fold.test.length === 0 || fold.train.length < 2) continue;
    const core = fitMahalanobisCore(
      fold.train.map((i) => features[i]!),
      fold.train.map((i) => labels[i]!),
      opts,
    );
    const distance = mahalanobisDistancer(core);
    for (const i of fold.test) heldOut.push(distance(features[i]!));
  }
  const q50 = quantile(heldOut, 0.5);
  const q95 = quantile(heldOut, 0.95);
  let slope = (q95 - q50) / Math.log(19);
  if (!(slope > 0)) slope = Math.max(q95 * 0.05, 1e-6);
  const core = fitMahalanobisCore(features, labels, opts);
  return { ...core, tau: q95, slope, q50, q95, heldOutCount: heldOut.length };
}
