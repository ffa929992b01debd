/**
 * A thin typed layer over onnx-proto for building small graphs in code. Weights go into `rawData`
 * (little-endian float32), which is ~4× smaller and far faster to encode than `floatData`.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;
export type OnnxAttribute = onnxProto.onnx.IAttributeProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const ATTR = onnx.AttributeProto.AttributeType;

export const OPSET = 13;

export type AttrValue = number | string | number[] | { float: number };

function attribute(name: string, value: AttrValue): OnnxAttribute {
  if (typeof value === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: ATTR.INTS, ints: value };
  if (typeof value === 'object') return { name, type: ATTR.FLOAT, f: value.float };
  return { name, type: ATTR.INT, i: value };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  name?: string,
): OnnxNode {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: name ?? outputs[0] ?? opType,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): OnnxTensor {
  const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (f32.length !== expected)
    throw new Error(`tensor ${name}: ${f32.length} values for dims [${dims.join(',')}]`);
  // rawData must be little-endian; every platform Node supports here is.
  const raw = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  return { name, dims, dataType: FLOAT, rawData: raw };
}

/** Integer tensors for quantised graphs (QuantizeLinear / DequantizeLinear operands), little-endian raw data. */
export function intTensor(
  name: string,
  dims: number[],
  type: 'int8' | 'uint8' | 'int32',
  data: ArrayLike<number>,
): OnnxTensor {
  const arr =
    type === 'int8' ? Int8Array.from(data) : type === 'uint8' ? Uint8Array.from(data) : Int32Array.from(data);
  const dataType =
    type === 'int8'
      ? onnx.TensorProto.DataType.INT8
      : type === 'uint8'
        ? onnx.TensorProto.DataType.UINT8
        : onnx.TensorProto.DataType.INT32;
  return { name, dims, dataType, rawData: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

export function int64Tensor(name: string, dims: number[], data: number[]): OnnxTensor {
  return { name, dims, dataType: INT64, int64Data: data };
}

/** A float value info; string dims are symbolic (dynamic) dimensions. */
export function floatValueInfo(name: string, dims: (number | string)[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export interface GraphSpec {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
}

export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'intellioptics-vision',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: spec.docString ?? '',
    graph: {
      name: spec.name,
      node: spec.nodes,
      initializer: spec.initializers,
      input: spec.inputs,
      output: spec.outputs,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Collects nodes and initializers for a graph written op by op: each call returns its output's (unique) name,
 * so unrolled graphs (a recursion written out step by step) read like the forward pass they mirror.
 */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private counter = 0;

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  /** A float constant (weights); the name is kept as given, so it must be unique. */
  constant(name: string, dims: number[], data: ArrayLike<number>): string {
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  int64(name: string, data: number[]): string {
    this.initializers.push(int64Tensor(name, [data.length], data));
    return name;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push(node(opType, inputs, [out], attrs));
    return out;
  }

  matMul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  /** y = x·Wᵀ + b for x [N, in], W [out, in] (the layout the TypeScript models keep). */
  linear(x: string, w: string, b?: string): string {
    return this.op('Gemm', b ? [x, w, b] : [x, w], { transB: 1 });
  }
  relu(x: string): string {
    return this.op('Relu', [x]);
  }
  tanh(x: string): string {
    return this.op('Tanh', [x]);
  }
  sigmoid(x: string): string {
    return this.op('Sigmoid', [x]);
  }
  softmax(x: string, axis: number, output?: string): string {
    return this.op('Softmax', [x], { axis }, output);
  }
  concat(xs: string[], axis: number, output?: string): string {
    return this.op('Concat', xs, { axis }, output);
  }
  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }
  /** Reshape to a constant shape (0 keeps a dimension, −1 infers one). */
  reshape(x: string, shape: number[]): string {
    const s = this.int64(this.fresh('shape'), shape);
    return this.op('Reshape', [x, s]);
  }
  reduceMean(x: string, axes: number[], keepdims = 1): string {
    return this.op('ReduceMean', [x], { axes, keepdims });
  }
}
