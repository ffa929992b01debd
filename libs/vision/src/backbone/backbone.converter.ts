/**
 * Converts the nsfwjs MobileNetV2 TF.js graph (NHWC) into an ONNX graph that ends at the 1792-d feature
 * vector. Layout choice: the ONNX graph takes NCHW input `pixels` [N,3,224,224] in [0,1] and stays NCHW all
 * the way, so onnxruntime needs no Transpose; our preprocessing writes NCHW directly from sharp's
 * interleaved RGB bytes (one pass it has to make anyway to convert bytes to floats).
 */
import type { OnnxNode, OnnxTensor } from '../onnx/onnx-builder';
import { encodeModel, floatTensor, floatValueInfo, node } from '../onnx/onnx-builder';
import type { TfjsAttr, TfjsModelSource, TfjsNode } from './tfjs-model.source';
import { decodeWeights } from './tfjs-model.source';

export const FEATURE_NODE = 'predict/feature_vector/SpatialSqueeze';
export const BACKBONE_INPUT = 'pixels';
export const BACKBONE_OUTPUT = 'features';
export const FEATURE_DIM = 1792;
export const INPUT_SIZE = 224;

const PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/';
const short = (name: string): string => (name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name);

const b64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** Inputs that carry data; `^name` entries are control dependencies and have no ONNX counterpart. */
function dataInputs(n: TfjsNode): string[] {
  return (n.input ?? []).filter((i) => !i.startsWith('^'));
}

function ints(attr: TfjsAttr | undefined): number[] {
  return (attr?.list?.i ?? []).map((v) => Number(v));
}

/** Finds the full tfjs node name whose suffix is `FEATURE_NODE` (the graph prefixes every name). */
export function featureNodeName(source: TfjsModelSource): string {
  const hit = source.model.modelTopology.node.find((n) => n.name.endsWith(FEATURE_NODE));
  if (!hit) throw new Error(`node ${FEATURE_NODE} not found in the tfjs graph`);
  return hit.name;
}

export function convertBackbone(source: TfjsModelSource): Uint8Array {
  const weights = decodeWeights(source.weightSpecs, source.weightData);
  const byName = new Map<string, TfjsNode>(source.model.modelTopology.node.map((n) => [n.name, n]));
  const target = featureNodeName(source);

  // Only the nodes the feature vector depends on (the 5-class head is dropped).
  const needed: TfjsNode[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const clean = name.split(':')[0]!;
    if (seen.has(clean)) return;
    seen.add(clean);
    const n = byName.get(clean);
    if (!n) throw new Error(`tfjs graph references unknown node ${clean}`);
    for (const i of dataInputs(n)) visit(i);
    needed.push(n);
  };
  visit(target);

  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const clipMin = 'relu6_min';
  const clipMax = 'relu6_max';
  inits.push(floatTensor(clipMin, [], [0]), floatTensor(clipMax, [], [6]));

  const weight = (name: string): { shape: number[]; values: Float32Array } => {
    const w = weights.get(name);
    if (!w) throw new Error(`no weight for const ${name}`);
    return w;
  };
  const ref = (name: string): string => short(name.split(':')[0]!);

  for (const n of needed) {
    const out = short(n.name);
    const inputs = dataInputs(n).map(ref);
    switch (n.op) {
      case 'Placeholder':
        break; // becomes the graph input below
      case 'Const': {
        const w = weight(n.name);
        // Scalar consts stay scalars; conv weights are re-laid out by the conv cases instead.
        if (w.values.length === 1) inits.push(floatTensor(out, [], w.values));
        break;
      }
      case 'Mul':
      case 'Sub':
      case 'AddV2':
      case 'Add': {
        const op = n.op === 'AddV2' ? 'Add' : n.op;
        nodes.push(
          node(
            op,
            inputs.map((i) => (i === 'input' ? BACKBONE_INPUT : i)),
            [out],
          ),
        );
        break;
      }
      case '_FusedConv2D':
      case 'Conv2D':
      case 'FusedDepthwiseConv2dNative':
      case 'DepthwiseConv2dNative':
        convertConv(n, inputs, out, weight, nodes, inits, clipMin, clipMax);
        break;
      case 'AvgPool':
      case 'Mean':
        // 7×7 VALID average pool over the final 7×7 map of a 224 input is a global average.
        nodes.push(node('GlobalAveragePool', [inputs[0]!], [out]));
        break;
      case 'Squeeze':
        nodes.push(node('Flatten', [inputs[0]!], [n.name === target ? BACKBONE_OUTPUT : out], { axis: 1 }));
        break;
      default:
        throw new Error(`tfjs op ${n.op} (${n.name}) is not supported by the converter`);
    }
  }

  return encodeModel({
    name: 'mobilenet_v2_1.4_224_features',
    docString: `nsfwjs@${source.packageVersion} mobilenet_v2_mid up to ${FEATURE_NODE}; input NCHW [0,1]`,
    nodes,
    initializers: inits,
    inputs: [floatValueInfo(BACKBONE_INPUT, ['N', 3, INPUT_SIZE, INPUT_SIZE])],
    outputs: [floatValueInfo(BACKBONE_OUTPUT, ['N', FEATURE_DIM])],
  });
}

function convertConv(
  n: TfjsNode,
  inputs: string[],
  out: string,
  weight: (name: string) => { shape: number[]; values: Float32Array },
  nodes: OnnxNode[],
  inits: OnnxTensor[],
  clipMin: string,
  clipMax: string,
): void {
  const depthwise = n.op.includes('Depthwise');
  const fused = (n.attr?.fused_ops?.list?.s ?? []).map(b64);
  const padding = b64(n.attr?.padding?.s);
  const format = b64(n.attr?.data_format?.s) || 'NHWC';
  if (format !== 'NHWC') throw new Error(`${n.name}: data_format ${format} not supported`);
  const strides = ints(n.attr?.strides);
  const dilations = ints(n.attr?.dilations);
  const w = weight(dataInputs(n)[1]!);
  const [kh, kw, cin, k3] = w.shape as [number, number, number, number];
  let wOnnx: Float32Array;
  let wDims: number[];
  if (depthwise) {
    // [kh,kw,cin,mult] → [cin·mult,1,kh,kw]; output channel c·mult+m, as TF orders them.
    const mult = k3;
    wOnnx = new Float32Array(w.values.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++)
          for (let m = 0; m < mult; m++)
            wOnnx[((c * mult + m) * kh + y) * kw + x] = w.values[((y * kw + x) * cin + c) * mult + m]!;
    wDims = [cin * mult, 1, kh, kw];
  } else {
    // [kh,kw,cin,cout] → [cout,cin,kh,kw]
    const cout = k3;
    wOnnx = new Float32Array(w.values.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++)
          for (let o = 0; o < cout; o++)
            wOnnx[((o * cin + c) * kh + y) * kw + x] = w.values[((y * kw + x) * cin + c) * cout + o]!;
    wDims = [cout, cin, kh, kw];
  }
  const wName = `${out}/W`;
  inits.push(floatTensor(wName, wDims, wOnnx));
  const convInputs = [inputs[0]!, wName];
  let rest = fused;
  if (rest[0] === 'BiasAdd') {
    const b = weight(dataInputs(n)[2]!);
    const bName = `${out}/B`;
    inits.push(floatTensor(bName, [b.values.length], b.values));
    convInputs.push(bName);
    rest = rest.slice(1);
  }
  const attrs = {
    kernel_shape: [kh, kw],
    strides: [strides[1] ?? 1, strides[2] ?? 1],
    dilations: [dilations[1] ?? 1, dilations[2] ?? 1],
    group: depthwise ? cin : 1,
    // TF SAME puts the odd padding pixel at the end, which is ONNX SAME_UPPER.
    auto_pad: padding === 'SAME' ? 'SAME_UPPER' : 'VALID',
  };
  if (rest.length === 0) {
    nodes.push(node('Conv', convInputs, [out], attrs));
  } else if (rest.length === 1 && (rest[0] === 'Relu6' || rest[0] === 'Relu')) {
    nodes.push(node('Conv', convInputs, [`${out}/conv`], attrs));
    if (rest[0] === 'Relu6') nodes.push(node('Clip', [`${out}/conv`, clipMin, clipMax], [out]));
    else nodes.push(node('Relu', [`${out}/conv`], [out]));
  } else {
    throw new Error(`${n.name}: fused ops ${fused.join(',')} not supported`);
  }
}
