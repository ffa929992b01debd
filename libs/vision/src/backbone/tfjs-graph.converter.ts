/**
 * Converts a TF.js graph model (NHWC, batch norm folded into convs) into an ONNX graph that is NCHW from its
 * input to its outputs, so onnxruntime runs no Transpose; callers write NCHW input directly. Only the nodes the
 * requested outputs depend on are converted. The op table is in docs/MODELS.md; an op outside it throws, naming
 * the node, so a new model fails loudly at conversion rather than computing something else.
 */
import type { OnnxNode, OnnxTensor } from '../onnx/onnx-builder';
import { encodeModel, floatTensor, floatValueInfo, int64Tensor, node } from '../onnx/onnx-builder';
import type { TfjsAttr, TfjsModelSource, TfjsNode } from './tfjs-model.source';
import { decodeWeights } from './tfjs-model.source';

export interface GraphEndpoint {
  /** The tfjs node name. */
  node: string;
  /** The ONNX tensor name it gets. */
  name: string;
  /** NCHW dims; strings are symbolic (dynamic). */
  dims: (number | string)[];
}

export interface TfjsConversion {
  name: string;
  docString: string;
  input: GraphEndpoint;
  outputs: GraphEndpoint[];
  /** Multiplies the input by this first (a graph that wants 0..255 pixels fed the [0,1] tensor we preprocess). */
  inputScale?: number;
  /** Shortens tfjs node names for the ONNX graph (readability only). */
  shorten?: (tfName: string) => string;
}

type Weight = { shape: number[]; values: Float32Array };

const b64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');
const ints = (attr: TfjsAttr | undefined): number[] => (attr?.list?.i ?? []).map((v) => Number(v));
/** Inputs that carry data; `^name` entries are control dependencies and have no ONNX counterpart. */
const dataInputs = (n: TfjsNode): string[] => (n.input ?? []).filter((i) => !i.startsWith('^'));
const nodeOf = (tensor: string): string => tensor.split(':')[0]!;
/** NHWC axis → NCHW axis. */
const NCHW_AXIS = [0, 2, 3, 1] as const;

export function convertTfjsGraph(source: TfjsModelSource, spec: TfjsConversion): Uint8Array {
  const weights = decodeWeights(source.weightSpecs, source.weightData);
  const byName = new Map<string, TfjsNode>(source.model.modelTopology.node.map((n) => [n.name, n]));
  const shorten = spec.shorten ?? ((n: string) => n);
  const scaledInput = spec.inputScale === undefined ? spec.input.name : `${spec.input.name}/scaled`;
  const renamed = new Map<string, string>([
    [spec.input.node, scaledInput],
    ...spec.outputs.map((o): [string, string] => [o.node, o.name]),
  ]);
  const tensor = (tfName: string): string => {
    const n = nodeOf(tfName);
    return renamed.get(n) ?? shorten(n);
  };

  const needed: TfjsNode[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const clean = nodeOf(name);
    if (seen.has(clean)) return;
    seen.add(clean);
    const n = byName.get(clean);
    if (!n) throw new Error(`tfjs graph references unknown node ${clean}`);
    for (const i of dataInputs(n)) visit(i);
    needed.push(n);
  };
  for (const o of spec.outputs) visit(o.node);

  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const initDone = new Set<string>();
  const weight = (tfName: string): Weight => {
    const w = weights.get(nodeOf(tfName));
    if (!w) throw new Error(`no weight for const ${tfName}`);
    return w;
  };
  const constValues = (tfName: string): number[] => Array.from(weight(tfName).values);
  const addInit = (t: OnnxTensor): string => {
    if (!initDone.has(t.name!)) {
      initDone.add(t.name!);
      inits.push(t);
    }
    return t.name!;
  };
  if (spec.inputScale !== undefined)
    nodes.push(
      node(
        'Mul',
        [spec.input.name, addInit(floatTensor('input_scale', [], [spec.inputScale]))],
        [scaledInput],
      ),
    );
  addInit(floatTensor('relu6_min', [], [0]));
  addInit(floatTensor('relu6_max', [], [6]));
  const isConst = (tfName: string): boolean => byName.get(nodeOf(tfName))?.op === 'Const';
  // An elementwise operand: graph tensors pass through, constants become NCHW-shaped initializers.
  const operand = (tfName: string): string => {
    if (!isConst(tfName)) return tensor(tfName);
    const w = weight(tfName);
    const name = shorten(nodeOf(tfName));
    if (w.values.length === 1) return addInit(floatTensor(name, [], w.values));
    if (w.shape.length === 1) return addInit(floatTensor(name, [w.shape[0]!, 1, 1], w.values));
    if (w.shape.length === 4) {
      const [a, h, wd, c] = w.shape as [number, number, number, number];
      const out = new Float32Array(w.values.length);
      for (let i = 0; i < a; i++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < wd; x++)
            for (let k = 0; k < c; k++)
              out[((i * c + k) * h + y) * wd + x] = w.values[((i * h + y) * wd + x) * c + k]!;
      return addInit(floatTensor(name, [a, c, h, wd], out));
    }
    throw new Error(`const ${tfName} of shape [${w.shape.join(',')}] has no NCHW broadcast`);
  };

  for (const n of needed) {
    const out = tensor(n.name);
    const ins = dataInputs(n);
    switch (n.op) {
      case 'Placeholder':
      case 'Const':
        break; // graph input; constants are emitted where they are used
      case 'Identity':
        nodes.push(node('Identity', [tensor(ins[0]!)], [out]));
        break;
      case 'Mul':
      case 'Sub':
      case 'AddV2':
      case 'Add':
        nodes.push(node(n.op === 'AddV2' ? 'Add' : n.op, ins.map(operand), [out]));
        break;
      case 'Relu':
      case 'Sigmoid':
        nodes.push(node(n.op, [tensor(ins[0]!)], [out]));
        break;
      case 'Relu6':
        nodes.push(node('Clip', [tensor(ins[0]!), 'relu6_min', 'relu6_max'], [out]));
        break;
      case '_FusedConv2D':
      case 'Conv2D':
      case 'FusedDepthwiseConv2dNative':
      case 'DepthwiseConv2dNative':
        nodes.push(...convertConv(n, tensor(ins[0]!), out, weight, addInit, shorten(n.name)));
        break;
      case 'Mean': {
        const axes = constValues(ins[1]!).sort();
        if (axes.join() !== '1,2') throw new Error(`${n.name}: Mean over axes ${axes.join()} not supported`);
        if (n.attr?.keep_dims?.b) nodes.push(node('GlobalAveragePool', [tensor(ins[0]!)], [out]));
        else {
          nodes.push(node('GlobalAveragePool', [tensor(ins[0]!)], [`${out}/pool`]));
          nodes.push(node('Flatten', [`${out}/pool`], [out], { axis: 1 }));
        }
        break;
      }
      case 'AvgPool':
      case 'MaxPool': {
        const k = ints(n.attr?.ksize);
        const s = ints(n.attr?.strides);
        nodes.push(
          node(n.op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [tensor(ins[0]!)], [out], {
            kernel_shape: [k[1]!, k[2]!],
            strides: [s[1]!, s[2]!],
            auto_pad: b64(n.attr?.padding?.s) === 'SAME' ? 'SAME_UPPER' : 'VALID',
          }),
        );
        break;
      }
      case 'Squeeze': {
        const dims = ints(n.attr?.squeeze_dims);
        if (dims.join() !== '1,2') throw new Error(`${n.name}: Squeeze ${dims.join()} not supported`);
        nodes.push(node('Flatten', [tensor(ins[0]!)], [out], { axis: 1 }));
        break;
      }
      case 'ResizeBilinear': {
        const [h, w] = constValues(ins[1]!);
        // ONNX Resize wants the full NCHW size: the input's N and C, then the constant H, W.
        const nc = `${out}/nc`;
        nodes.push(node('Shape', [tensor(ins[0]!)], [`${out}/shape`]));
        nodes.push(
          node(
            'Slice',
            [
              `${out}/shape`,
              addInit(int64Tensor(`${out}/s0`, [1], [0])),
              addInit(int64Tensor(`${out}/s2`, [1], [2])),
            ],
            [nc],
          ),
        );
        nodes.push(
          node('Concat', [nc, addInit(int64Tensor(`${out}/hw`, [2], [h!, w!]))], [`${out}/sizes`], {
            axis: 0,
          }),
        );
        const mode = n.attr?.align_corners?.b
          ? 'align_corners'
          : n.attr?.half_pixel_centers?.b
            ? 'half_pixel'
            : 'asymmetric';
        nodes.push(
          node('Resize', [tensor(ins[0]!), '', '', `${out}/sizes`], [out], {
            mode: 'linear',
            coordinate_transformation_mode: mode,
          }),
        );
        break;
      }
      case 'ConcatV2': {
        const axis = constValues(ins[ins.length - 1]!)[0]!;
        const nchw = NCHW_AXIS[(axis + 4) % 4]!;
        nodes.push(node('Concat', ins.slice(0, -1).map(operand), [out], { axis: nchw }));
        break;
      }
      default:
        throw new Error(`tfjs op ${n.op} (${n.name}) is not supported by the converter`);
    }
  }

  return encodeModel({
    name: spec.name,
    docString: spec.docString,
    nodes,
    initializers: inits,
    inputs: [floatValueInfo(spec.input.name, spec.input.dims)],
    outputs: spec.outputs.map((o) => floatValueInfo(o.name, o.dims)),
  });
}

function convertConv(
  n: TfjsNode,
  input: string,
  out: string,
  weight: (name: string) => Weight,
  addInit: (t: OnnxTensor) => string,
  prefix: string,
): OnnxNode[] {
  const depthwise = n.op.includes('Depthwise');
  const fused = (n.attr?.fused_ops?.list?.s ?? []).map(b64);
  const padding = b64(n.attr?.padding?.s);
  const format = b64(n.attr?.data_format?.s) || 'NHWC';
  if (format !== 'NHWC') throw new Error(`${n.name}: data_format ${format} not supported`);
  const strides = ints(n.attr?.strides);
  const dilations = ints(n.attr?.dilations);
  const w = weight(dataInputs(n)[1]!);
  const [kh, kw, cin, k3] = w.shape as [number, number, number, number];
  const wOnnx = new Float32Array(w.values.length);
  let wDims: number[];
  if (depthwise) {
    // [kh,kw,cin,mult] → [cin·mult,1,kh,kw]; output channel c·mult+m, as TF orders them.
    const mult = k3;
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++)
          for (let m = 0; m < mult; m++)
            wOnnx[((c * mult + m) * kh + y) * kw + x] = w.values[((y * kw + x) * cin + c) * mult + m]!;
    wDims = [cin * mult, 1, kh, kw];
  } else {
    // [kh,kw,cin,cout] → [cout,cin,kh,kw]
    const cout = k3;
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++)
          for (let o = 0; o < cout; o++)
            wOnnx[((o * cin + c) * kh + y) * kw + x] = w.values[((y * kw + x) * cin + c) * cout + o]!;
    wDims = [cout, cin, kh, kw];
  }
  const convInputs = [input, addInit(floatTensor(`${prefix}/W`, wDims, wOnnx))];
  let rest = fused;
  if (rest[0] === 'BiasAdd') {
    const b = weight(dataInputs(n)[2]!);
    convInputs.push(addInit(floatTensor(`${prefix}/B`, [b.values.length], b.values)));
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
  if (rest.length === 0) return [node('Conv', convInputs, [out], attrs)];
  if (rest.length === 1 && rest[0] === 'Relu6')
    return [
      node('Conv', convInputs, [`${out}/conv`], attrs),
      node('Clip', [`${out}/conv`, 'relu6_min', 'relu6_max'], [out]),
    ];
  if (rest.length === 1 && rest[0] === 'Relu')
    return [node('Conv', convInputs, [`${out}/conv`], attrs), node('Relu', [`${out}/conv`], [out])];
  throw new Error(`${n.name}: fused ops ${fused.join(',')} not supported`);
}
