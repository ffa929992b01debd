/** Softmax regression head: backbone features [N,D] → class probabilities [N,C] (Gemm + Softmax). */
import { encodeModel, floatTensor, floatValueInfo, node } from '../onnx/onnx-builder';

export const HEAD_INPUT = 'features';
export const PROBABILITIES_OUTPUT = 'probabilities';

export interface SoftmaxHeadParams {
  /** Row-major [numClasses, dim]. */
  weights: ArrayLike<number>;
  bias: ArrayLike<number>;
  numClasses: number;
  dim: number;
  /** Calibration temperature, folded into the weights (logits / T). */
  temperature?: number;
}

export function buildSoftmaxHead(p: SoftmaxHeadParams): Uint8Array {
  const t = p.temperature ?? 1;
  const w = Float32Array.from(p.weights, (v) => v / t);
  const b = Float32Array.from(p.bias, (v) => v / t);
  return encodeModel({
    name: 'softmax_regression_head',
    nodes: [
      node('Gemm', [HEAD_INPUT, 'W', 'B'], ['logits'], { transB: 1 }),
      node('Softmax', ['logits'], [PROBABILITIES_OUTPUT], { axis: 1 }),
    ],
    initializers: [floatTensor('W', [p.numClasses, p.dim], w), floatTensor('B', [p.numClasses], b)],
    inputs: [floatValueInfo(HEAD_INPUT, ['N', p.dim])],
    outputs: [floatValueInfo(PROBABILITIES_OUTPUT, ['N', p.numClasses])],
  });
}
