/** Small dense linear algebra on row-major Float64Arrays (n×n), enough for the OODD fit. */

/** In-place Cholesky A = L·Lᵀ (lower triangle of `a` becomes L, upper is zeroed). Throws if not SPD. */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0)) throw new Error(`matrix is not positive definite (pivot ${j}: ${d})`);
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      const ri = i * n;
      const rj = j * n;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[i * n + j] = 0;
  }
}

/** Solves L·X = B for X in place of B (L lower-triangular n×n, B n×m row-major). */
export function forwardSubstituteInPlace(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    const bi = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k]!;
      if (lik === 0) continue;
      const bk = k * m;
      for (let c = 0; c < m; c++) b[bi + c]! -= lik * b[bk + c]!;
    }
    const inv = 1 / l[i * n + i]!;
    for (let c = 0; c < m; c++) b[bi + c]! *= inv;
  }
}

/** Gram matrix X·Xᵀ of n rows of length d (each a Float64Array view into `x`). */
export function gram(x: Float64Array, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * d;
    for (let j = 0; j <= i; j++) {
      const rj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += x[ri + k]! * x[rj + k]!;
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  }
  return g;
}

/** Linear-interpolated quantile (q in [0,1]) of unsorted values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  if (s.length === 0) throw new Error('quantile of an empty set');
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
