/**
 * Weighted L2-regularised logistic regression by Newton's method on standardised features: the escalation
 * policy's risk model is small (7 features), so an exact Newton step is cheap and converges in a few
 * iterations without tuning.
 */
export interface LogisticFit {
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
  iterations: number;
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / piv;
      for (let k = c; k <= n; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / (m[r]![r]! || 1e-12);
  }
  return x;
}

/**
 * `y` 1 = positive (the edge answer was wrong); `w` importance weights (1/P(labelled)), normalised to mean 1
 * so `l2` means the same whatever the weights' scale.
 */
export function fitWeightedLogistic(
  x: readonly (readonly number[])[],
  y: readonly number[],
  w: readonly number[],
  opts: { l2?: number; maxIterations?: number } = {},
): LogisticFit {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const l2 = opts.l2 ?? 1;
  const wSum = w.reduce((a, v) => a + v, 0) || 1;
  const wn = w.map((v) => (v * n) / wSum);
  const mean = Array.from({ length: d }, (_, j) => x.reduce((a, r, i) => a + wn[i]! * r[j]!, 0) / n);
  const scale = Array.from({ length: d }, (_, j) => {
    const v = x.reduce((a, r, i) => a + wn[i]! * (r[j]! - mean[j]!) ** 2, 0) / n;
    return v > 1e-12 ? Math.sqrt(v) : 0;
  });
  // Constant features (scale 0) get weight 0: z = 0 for them.
  const z = x.map((r) => r.map((v, j) => (scale[j]! > 0 ? (v - mean[j]!) / scale[j]! : 0)));
  let beta = new Array<number>(d + 1).fill(0); // [bias, ...weights]
  const pos = y.reduce((a, v, i) => a + v * wn[i]!, 0) / n;
  beta[0] = Math.log(Math.max(pos, 1e-6) / Math.max(1 - pos, 1e-6));
  let it = 0;
  for (; it < (opts.maxIterations ?? 50); it++) {
    const g = new Array<number>(d + 1).fill(0);
    const h = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      let s = beta[0]!;
      for (let j = 0; j < d; j++) s += beta[j + 1]! * z[i]![j]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = wn[i]! * (p - y[i]!);
      const q = wn[i]! * Math.max(p * (1 - p), 1e-9);
      const row = [1, ...z[i]!];
      for (let a = 0; a <= d; a++) {
        g[a] = g[a]! + r * row[a]!;
        for (let b = 0; b <= d; b++) h[a]![b] = h[a]![b]! + q * row[a]! * row[b]!;
      }
    }
    for (let a = 1; a <= d; a++) {
      g[a] = g[a]! + l2 * beta[a]!;
      h[a]![a] = h[a]![a]! + l2;
    }
    h[0]![0] = h[0]![0]! + 1e-6;
    const step = solve(h, g);
    beta = beta.map((b, a) => b - step[a]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { mean, scale, weights: beta.slice(1), bias: beta[0]!, iterations: it + 1 };
}
