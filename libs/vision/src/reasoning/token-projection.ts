/**
 * A fixed linear projection of the backbone's patch tokens (featureDim channels per 7×7 cell) to a few dozen
 * components: the top principal subspace of the training tokens (subspace iteration), each component scaled to
 * unit variance. Fitted once per training run, without labels; the recursive head learns on the projected tokens,
 * so its training cost does not grow with the backbone's width.
 */
import { mulberry32 } from '../training/stratified-split';

export interface TokenProjection {
  /** Backbone channels per token. */
  dim: number;
  /** Tokens per image (featureMapSize²). */
  tokens: number;
  /** Projected components. */
  components: number;
  /** Row-major [components, dim]: u = P·(m − mean) = P·m + offset. */
  matrix: Float32Array;
  /** −P·mean, one per component. */
  offset: Float32Array;
}

export interface ProjectionFitOptions {
  components?: number;
  /** Tokens sampled for the fit (cost is linear in it). */
  maxTokens?: number;
  iterations?: number;
  seed?: number;
}

/** Column j of token t in an NCHW map [dim, tokens]. */
const at = (map: Float32Array, tokens: number, j: number, t: number): number => map[j * tokens + t]!;

/** Gram–Schmidt on the rows of a row-major [k, n] matrix, in place (twice, for float32 stability). */
function orthonormaliseRows(m: Float64Array, k: number, n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < k; i++) {
      const ri = i * n;
      for (let j = 0; j < i; j++) {
        const rj = j * n;
        let dot = 0;
        for (let c = 0; c < n; c++) dot += m[ri + c]! * m[rj + c]!;
        for (let c = 0; c < n; c++) m[ri + c]! -= dot * m[rj + c]!;
      }
      let norm = 0;
      for (let c = 0; c < n; c++) norm += m[ri + c]! * m[ri + c]!;
      norm = Math.sqrt(norm) || 1;
      for (let c = 0; c < n; c++) m[ri + c]! /= norm;
    }
  }
}

export function fitTokenProjection(
  maps: readonly Float32Array[],
  dim: number,
  tokens: number,
  opts: ProjectionFitOptions = {},
): TokenProjection {
  if (maps.length === 0) throw new Error('fitTokenProjection: no maps');
  const k = Math.min(opts.components ?? 64, dim);
  const rng = mulberry32(opts.seed ?? 1);
  const maxTokens = opts.maxTokens ?? 3000;
  const total = maps.length * tokens;
  // Sampled tokens, centred, as rows [s, dim].
  const s = Math.min(maxTokens, total);
  const picks = new Uint32Array(s);
  for (let i = 0; i < s; i++) picks[i] = s === total ? i : Math.floor(rng() * total);
  const x = new Float64Array(s * dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < s; i++) {
    const map = maps[Math.floor(picks[i]! / tokens)]!;
    const t = picks[i]! % tokens;
    for (let j = 0; j < dim; j++) {
      const v = at(map, tokens, j, t);
      x[i * dim + j] = v;
      mean[j]! += v / s;
    }
  }
  for (let i = 0; i < s; i++) for (let j = 0; j < dim; j++) x[i * dim + j]! -= mean[j]!;

  // Subspace iteration on XᵀX: Q ← orth(Q·XᵀX), rows of Q are the basis.
  const q = new Float64Array(k * dim);
  for (let i = 0; i < q.length; i++) q[i] = rng() - 0.5;
  orthonormaliseRows(q, k, dim);
  const xq = new Float64Array(s * k);
  for (let it = 0; it < (opts.iterations ?? 4); it++) {
    xq.fill(0);
    for (let i = 0; i < s; i++) {
      const xr = i * dim;
      for (let c = 0; c < k; c++) {
        const qr = c * dim;
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += x[xr + j]! * q[qr + j]!;
        xq[i * k + c] = dot;
      }
    }
    q.fill(0);
    for (let i = 0; i < s; i++) {
      const xr = i * dim;
      for (let c = 0; c < k; c++) {
        const w = xq[i * k + c]!;
        const qr = c * dim;
        for (let j = 0; j < dim; j++) q[qr + j]! += w * x[xr + j]!;
      }
    }
    orthonormaliseRows(q, k, dim);
  }
  // Scale each component to unit variance on the sample (xq holds the last-but-one basis: recompute).
  const matrix = new Float32Array(k * dim);
  const offset = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    const qr = c * dim;
    let ss = 0;
    for (let i = 0; i < s; i++) {
      let dot = 0;
      const xr = i * dim;
      for (let j = 0; j < dim; j++) dot += x[xr + j]! * q[qr + j]!;
      ss += dot * dot;
    }
    const scale = 1 / Math.sqrt(ss / s + 1e-8);
    let off = 0;
    for (let j = 0; j < dim; j++) {
      matrix[qr + j] = q[qr + j]! * scale;
      off -= q[qr + j]! * scale * mean[j]!;
    }
    offset[c] = off;
  }
  return { dim, tokens, components: k, matrix, offset };
}

/** Projected tokens of one NCHW map, row-major [tokens, components]. */
export function projectTokens(p: TokenProjection, map: Float32Array): Float32Array {
  const { dim, tokens, components: k } = p;
  if (map.length !== dim * tokens) throw new Error(`projectTokens: map has ${map.length} values`);
  const acc = new Float32Array(k * tokens); // [k, tokens] while accumulating: contiguous inner loop
  for (let c = 0; c < k; c++) {
    const row = c * tokens;
    for (let j = 0; j < dim; j++) {
      const w = p.matrix[c * dim + j]!;
      const m = j * tokens;
      for (let t = 0; t < tokens; t++) acc[row + t]! += w * map[m + t]!;
    }
  }
  const out = new Float32Array(tokens * k);
  for (let c = 0; c < k; c++)
    for (let t = 0; t < tokens; t++) out[t * k + c] = acc[c * tokens + t]! + p.offset[c]!;
  return out;
}
