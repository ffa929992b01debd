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

/**
 * Solves L·X = B for X in place of B (L lower-triangular n×n, B n×m row-major). Row i subtracts the solved
 * rows above it four at a time, so each element of row i is read and written once per four rows.
 */
export function forwardSubstituteInPlace(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    const bi = i * m;
    const li = i * n;
    let k = 0;
    for (; k + 3 < i; k += 4) {
      const l0 = l[li + k]!;
      const l1 = l[li + k + 1]!;
      const l2 = l[li + k + 2]!;
      const l3 = l[li + k + 3]!;
      const b0 = k * m;
      const b1 = b0 + m;
      const b2 = b1 + m;
      const b3 = b2 + m;
      for (let c = 0; c < m; c++)
        b[bi + c]! -= l0 * b[b0 + c]! + l1 * b[b1 + c]! + l2 * b[b2 + c]! + l3 * b[b3 + c]!;
    }
    for (; k < i; k++) {
      const lik = l[li + k]!;
      if (lik === 0) continue;
      const bk = k * m;
      for (let c = 0; c < m; c++) b[bi + c]! -= lik * b[bk + c]!;
    }
    const inv = 1 / l[li + i]!;
    for (let c = 0; c < m; c++) b[bi + c]! *= inv;
  }
}

/**
 * Gram matrix X·Xᵀ of n rows of length d (each a Float64Array view into `x`), two rows against two per pass
 * (four independent sums from four loads).
 */
export function gram(x: Float64Array, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  const put = (i: number, j: number, v: number): void => {
    g[i * n + j] = v;
    g[j * n + i] = v;
  };
  for (let i = 0; i < n; i += 2) {
    const two = i + 1 < n;
    const ra = i * d;
    const rb = two ? ra + d : ra;
    // Columns j ≤ i in pairs; j = i + 1 (only for the second row) after.
    for (let j = 0; j <= i; j += 2) {
      const ca = j * d;
      const cb = j + 1 <= i ? ca + d : ca;
      let aa = 0;
      let ab = 0;
      let ba = 0;
      let bb = 0;
      for (let k = 0; k < d; k++) {
        const xa = x[ra + k]!;
        const xb = x[rb + k]!;
        const ya = x[ca + k]!;
        const yb = x[cb + k]!;
        aa += xa * ya;
        ab += xa * yb;
        ba += xb * ya;
        bb += xb * yb;
      }
      put(i, j, aa);
      if (j + 1 <= i) put(i, j + 1, ab);
      if (two) {
        put(i + 1, j, ba);
        if (j + 1 <= i) put(i + 1, j + 1, bb);
      }
    }
    if (two) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[rb + k]! * x[rb + k]!;
      put(i + 1, i + 1, s);
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
