/**
 * OODD head: backbone features [N,D] → in-domain probability [N] and distance [N].
 * Squared distance to class k: d²_k = a·‖x−μ_k‖² + b·‖G(x−μ_k)‖², which covers the low-rank (Woodbury)
 * form of a shrunk-covariance Mahalanobis distance (a = 1/λ, b = −1, G = L⁻¹B/√λ). Computing it from
 * differences, not from xᵀPx − 2μᵀPx + μᵀPμ, avoids float32 cancellation. Then d = √max(0, min_k d²_k)
 * and p_in = sigmoid((τ − d)/s).
 */
import { encodeModel, floatTensor, floatValueInfo, int64Tensor, node } from '../onnx/onnx-builder';
import { HEAD_INPUT } from './softmax.head';

export const IN_DOMAIN_OUTPUT = 'in_domain_probability';
export const DISTANCE_OUTPUT = 'distance';

export interface MahalanobisHeadParams {
  dim: number;
  /** Row-major [numMeans, dim]. */
  means: ArrayLike<number>;
  numMeans: number;
  isoScale: number;
  /** Row-major [rank, dim]; rank may be 0. */
  projection: ArrayLike<number>;
  rank: number;
  projectionSign: 1 | -1;
  tau: number;
  slope: number;
}

export function buildMahalanobisHead(p: MahalanobisHeadParams): Uint8Array {
  const { dim, numMeans: k, rank: r } = p;
  const nodes = [
    node('Unsqueeze', [HEAD_INPUT, 'axis1'], ['x3']),
    node('Sub', ['x3', 'means'], ['diff']), // [N,K,D]
  ];
  const inits = [
    int64Tensor('axis1', [1], [1]),
    int64Tensor('axis2', [1], [2]),
    floatTensor('means', [k, dim], p.means),
    floatTensor('iso_scale', [], [p.isoScale]),
    floatTensor('zero', [], [0]),
    floatTensor('tau', [], [p.tau]),
    floatTensor('inv_slope', [], [1 / p.slope]),
  ];
  nodes.push(
    node('Mul', ['diff', 'diff'], ['diff_sq']),
    node('ReduceSum', ['diff_sq', 'axis2'], ['iso_d2'], { keepdims: 0 }), // [N,K]
    node('Mul', ['iso_d2', 'iso_scale'], ['iso_term']),
  );
  let d2 = 'iso_term';
  if (r > 0) {
    // G(x−μ_k) = Gx − Gμ_k: one [N,D]×[D,r] MatMul, then differences in the small r-space.
    const gt = new Float32Array(dim * r);
    for (let i = 0; i < r; i++) for (let j = 0; j < dim; j++) gt[j * r + i] = p.projection[i * dim + j]!;
    const proj = new Float32Array(k * r);
    for (let c = 0; c < k; c++)
      for (let i = 0; i < r; i++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += p.projection[i * dim + j]! * p.means[c * dim + j]!;
        proj[c * r + i] = s;
      }
    inits.push(floatTensor('G_t', [dim, r], gt), floatTensor('G_means', [k, r], proj));
    inits.push(floatTensor('proj_sign', [], [p.projectionSign]));
    nodes.push(
      node('MatMul', [HEAD_INPUT, 'G_t'], ['z']),
      node('Unsqueeze', ['z', 'axis1'], ['z3']),
      node('Sub', ['z3', 'G_means'], ['zdiff']),
      node('Mul', ['zdiff', 'zdiff'], ['zdiff_sq']),
      node('ReduceSum', ['zdiff_sq', 'axis2'], ['proj_d2'], { keepdims: 0 }),
      node('Mul', ['proj_d2', 'proj_sign'], ['proj_term']),
      node('Add', ['iso_term', 'proj_term'], ['d2_raw']),
    );
    d2 = 'd2_raw';
  }
  nodes.push(
    node('Max', [d2, 'zero'], ['d2_pos']),
    // opset 13: ReduceMin still takes axes as an attribute (ReduceSum moved them to an input).
    node('ReduceMin', ['d2_pos'], ['d2_min'], { axes: [1], keepdims: 0 }),
    node('Sqrt', ['d2_min'], [DISTANCE_OUTPUT]),
    node('Sub', ['tau', DISTANCE_OUTPUT], ['margin']),
    node('Mul', ['margin', 'inv_slope'], ['logit']),
    node('Sigmoid', ['logit'], [IN_DOMAIN_OUTPUT]),
  );
  return encodeModel({
    name: 'oodd_mahalanobis_head',
    nodes,
    initializers: inits,
    inputs: [floatValueInfo(HEAD_INPUT, ['N', dim])],
    outputs: [floatValueInfo(IN_DOMAIN_OUTPUT, ['N']), floatValueInfo(DISTANCE_OUTPUT, ['N'])],
  });
}
