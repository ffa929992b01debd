/**
 * Converts the nsfwjs MobileNetV2 TF.js graph (NHWC) into an ONNX graph with two outputs from one pass: the
 * pooled 1792-d feature vector and the 7×7×1792 map before pooling. Layout choice: the ONNX graph takes NCHW input `pixels` [N,3,224,224] in [0,1] and stays NCHW all
 * the way, so onnxruntime needs no Transpose; our preprocessing writes NCHW directly from sharp's
 * interleaved RGB bytes (one pass it has to make anyway to convert bytes to floats).
 */
import { convertTfjsGraph } from './tfjs-graph.converter';
import type { TfjsModelSource } from './tfjs-model.source';

export const FEATURE_NODE = 'predict/feature_vector/SpatialSqueeze';
export const BACKBONE_INPUT = 'pixels';
export const BACKBONE_OUTPUT = 'features';
/** The last conv's output, before pooling: the spatial (patch) features, NCHW [N,1792,7,7]. */
export const FEATURE_MAP_NODE = 'predict/MobilenetV2/Conv_1/Relu6';
export const FEATURE_MAP_OUTPUT = 'feature_map';
export const FEATURE_MAP_SIZE = 7;
export const FEATURE_DIM = 1792;
export const INPUT_SIZE = 224;

const PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/';
const short = (name: string): string => (name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name);

/** Finds the full tfjs node name whose suffix is `FEATURE_NODE` (the graph prefixes every name). */
export function featureNodeName(source: TfjsModelSource): string {
  const hit = source.model.modelTopology.node.find((n) => n.name.endsWith(FEATURE_NODE));
  if (!hit) throw new Error(`node ${FEATURE_NODE} not found in the tfjs graph`);
  return hit.name;
}

export function convertBackbone(source: TfjsModelSource): Uint8Array {
  const pooled = featureNodeName(source);
  const map = source.model.modelTopology.node.find((n) => n.name.endsWith(FEATURE_MAP_NODE));
  if (!map) throw new Error(`node ${FEATURE_MAP_NODE} not found in the tfjs graph`);
  return convertTfjsGraph(source, {
    name: 'mobilenet_v2_1.4_224_features',
    docString: `nsfwjs@${source.packageVersion} mobilenet_v2_mid up to ${FEATURE_NODE} and ${FEATURE_MAP_NODE}; input NCHW [0,1]`,
    input: { node: 'input', name: BACKBONE_INPUT, dims: ['N', 3, INPUT_SIZE, INPUT_SIZE] },
    outputs: [
      { node: pooled, name: BACKBONE_OUTPUT, dims: ['N', FEATURE_DIM] },
      {
        node: map.name,
        name: FEATURE_MAP_OUTPUT,
        dims: ['N', FEATURE_DIM, FEATURE_MAP_SIZE, FEATURE_MAP_SIZE],
      },
    ],
    shorten: short,
  });
}
