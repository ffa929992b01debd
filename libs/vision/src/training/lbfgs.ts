/** Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex losses. */

export interface LbfgsOptions {
  maxIterations?: number;
  memory?: number;
  /** Stop when ‖g‖∞ ≤ gradTolerance. */
  gradTolerance?: number;
  /** Stop when the relative loss decrease is below this. */
  lossTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  loss: number;
  iterations: number;
  converged: boolean;
}

/** `f` returns the loss and writes the gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export function minimizeLbfgs(f: Objective, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const maxIter = opts.maxIterations ?? 500;
  const m = opts.memory ?? 10;
  const gtol = opts.gradTolerance ?? 1e-6;
  const ftol = opts.lossTolerance ?? 1e-10;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let loss = f(x, g);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const dir = new Float64Array(n);
  const alpha = new Array<number>(m);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);

  for (let iter = 1; iter <= maxIter; iter++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]!));
    if (gmax <= gtol) return { x, loss, iterations: iter - 1, converged: true };

    // Two-loop recursion: dir = −H·g.
    dir.set(g);
    for (let k = sHist.length - 1; k >= 0; k--) {
      alpha[k] = rhoHist[k]! * dot(sHist[k]!, dir);
      const yk = yHist[k]!;
      for (let i = 0; i < n; i++) dir[i]! -= alpha[k]! * yk[i]!;
    }
    const last = sHist.length - 1;
    const gamma =
      last >= 0 ? dot(sHist[last]!, yHist[last]!) / dot(yHist[last]!, yHist[last]!) : 1 / Math.max(gmax, 1);
    for (let i = 0; i < n; i++) dir[i]! *= gamma;
    for (let k = 0; k < sHist.length; k++) {
      const beta = rhoHist[k]! * dot(yHist[k]!, dir);
      const sk = sHist[k]!;
      for (let i = 0; i < n; i++) dir[i]! += sk[i]! * (alpha[k]! - beta);
    }
    for (let i = 0; i < n; i++) dir[i] = -dir[i]!;
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]! / Math.max(gmax, 1);
      slope = dot(g, dir);
    }

    let step = 1;
    let newLoss = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * dir[i]!;
      newLoss = f(xNew, gNew);
      if (newLoss <= loss + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(newLoss <= loss)) return { x, loss, iterations: iter, converged: false };

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const rel = (loss - newLoss) / Math.max(Math.abs(loss), 1e-12);
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    loss = newLoss;
    if (rel < ftol) return { x, loss, iterations: iter, converged: true };
  }
  return { x, loss, iterations: maxIter, converged: false };
}
