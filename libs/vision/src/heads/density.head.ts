/**
 * Patch density head for counting classes the COCO detector does not know: a 1×1 convolution over the backbone's
 * spatial map gives each of the 7×7 cells an object density (ReLU: never negative), and the count is their sum.
 * Input `feature_map` [N,D,S,S] (VisionEngine.embedSpatialTensors), outputs `density` [N,1,S,S] and `count` [N].
 */
import { encodeModel, floatTensor, floatValueInfo, int64Tensor, node } from '../onnx/onnx-builder';

export const DENSITY_INPUT = 'feature_map';
export const DENSITY_OUTPUT = 'density';
export const COUNT_OUTPUT = 'count';

export interface DensityHeadParams {
  weights: ArrayLike<number>;
  bias: number;
  dim: number;
  cells: number;
}

export function buildDensityHead(p: DensityHeadParams): Uint8Array {
  return encodeModel({
    name: 'patch_density_head',
    nodes: [
      node('Conv', [DENSITY_INPUT, 'W', 'B'], ['density_linear'], { kernel_shape: [1, 1] }),
      node('Relu', ['density_linear'], [DENSITY_OUTPUT]),
      node('ReduceSum', [DENSITY_OUTPUT, 'axes'], [COUNT_OUTPUT], { keepdims: 0 }),
    ],
    initializers: [
      floatTensor('W', [1, p.dim, 1, 1], Float32Array.from(p.weights)),
      floatTensor('B', [1], [p.bias]),
      int64Tensor('axes', [3], [1, 2, 3]),
    ],
    inputs: [floatValueInfo(DENSITY_INPUT, ['N', p.dim, p.cells, p.cells])],
    outputs: [
      floatValueInfo(DENSITY_OUTPUT, ['N', 1, p.cells, p.cells]),
      floatValueInfo(COUNT_OUTPUT, ['N']),
    ],
  });
}
