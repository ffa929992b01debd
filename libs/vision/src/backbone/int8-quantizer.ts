/**
 * Static int8 quantisation of the converted backbone in QDQ form, which onnxruntime fuses into QLinearConv /
 * QLinearAdd kernels: every activation a Conv or Add reads or writes passes QuantizeLinear → DequantizeLinear
 * (uint8, asymmetric, range from calibration images), Conv weights are int8 per output channel (symmetric) and
 * biases int32 at input scale × weight scale (weights int8, or uint8 around 128 where int8 weights lose accuracy:
 * `weightsFor`). A Clip(0, 6) followed by a Quantize whose range lies inside [0, 6] is dropped by onnxruntime,
 * so Conv + Relu6 becomes one QLinearConv. Pooling and the outputs stay float.
 */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { OnnxNode, OnnxTensor } from '../onnx/onnx-builder';
import { floatTensor, intTensor, node } from '../onnx/onnx-builder';

const { onnx } = onnxProto;

export interface QuantizeOptions {
  /** Preprocessed NCHW images the activation ranges are measured on. */
  calibration: readonly Float32Array[];
  inputName: string;
  inputDims: [number, number, number];
  /** int8 weights (u8 × s8 kernels) or uint8 weights around zero point 128 (u8 × u8); default int8. */
  weights?: WeightEncoding;
}

export type WeightEncoding = 'int8' | 'uint8';

/**
 * The weight encoding for this CPU. onnxruntime multiplies uint8 activations by int8 weights with VNNI where the
 * CPU has it; x86 CPUs without it (AVX2 only) use vpmaddubsw, whose int16 pair sums saturate: on an AVX2-only
 * AMD EPYC int8 weights gave features at mean cosine 0.92 to fp32 (0.94 with 7-bit weights, onnxruntime's
 * `reduce_range`), uint8 weights 0.98, as int8 weights do on VNNI machines. uint8 weights are no faster than
 * fp32 there (11 ms per image both), so on such CPUs int8 precision keeps the answers and gains no speed.
 * `cpuFlags`: the `flags` of /proc/cpuinfo; null where it cannot be read (not Linux x86: int8).
 */
export function weightsFor(cpuFlags: string | null): WeightEncoding {
  if (cpuFlags === null) return 'int8';
  const flags = new Set(cpuFlags.split(/\s+/));
  const x86 = flags.has('sse2');
  const vnni = flags.has('avx512_vnni') || flags.has('avx_vnni');
  return x86 && !vnni ? 'uint8' : 'int8';
}

interface Range {
  min: number;
  max: number;
}

// Copy: protobufjs may hand back a Buffer view whose slice() shares (and whose .buffer is) the whole pool.
const floats = (t: OnnxTensor): Float32Array => new Float32Array(Uint8Array.from(t.rawData!).buffer);

export async function quantizeBackbone(fp32: Uint8Array, opts: QuantizeOptions): Promise<Uint8Array> {
  const model = onnx.ModelProto.decode(fp32);
  const graph = model.graph!;
  const nodes = graph.node!;
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of nodes) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);

  // Activations to quantise: what each Conv reads and writes (after its Clip/Relu), and Add's operands and result.
  const activations = new Set<string>();
  for (const n of nodes) {
    if (n.opType === 'Conv') {
      activations.add(n.input![0]!);
      const out = n.output![0]!;
      const next = consumers.get(out) ?? [];
      const act =
        next.length === 1 && ['Clip', 'Relu'].includes(next[0]!.opType!) ? next[0]!.output![0]! : out;
      activations.add(act);
    } else if (n.opType === 'Add') {
      for (const i of n.input!) activations.add(i);
      activations.add(n.output![0]!);
    }
  }
  // The outputs heads read stay float: their last conv runs in float on dequantised input (one of 52 convs).
  for (const o of graph.output!) activations.delete(o.name!);
  const ranges = await calibrate(fp32, [...activations], opts);

  const inits = new Map<string, OnnxTensor>(graph.initializer!.map((t) => [t.name!, t]));
  const quant = new Map<string, { scale: number; zero: number }>();
  for (const [name, r] of ranges) {
    const min = Math.min(0, r.min);
    const max = Math.max(min + 1e-6, r.max);
    const scale = (max - min) / 255;
    quant.set(name, { scale, zero: Math.min(255, Math.max(0, Math.round(-min / scale))) });
  }

  const out: OnnxNode[] = [];
  const newInits: OnnxTensor[] = [];
  const qdq = (name: string): OnnxNode[] => {
    const q = quant.get(name)!;
    newInits.push(
      floatTensor(`${name}/scale`, [], [q.scale]),
      intTensor(`${name}/zero`, [], 'uint8', [q.zero]),
    );
    return [
      node(
        'QuantizeLinear',
        [`${name}/f32`, `${name}/scale`, `${name}/zero`],
        [`${name}/q`],
        {},
        `${name}/quantize`,
      ),
      node(
        'DequantizeLinear',
        [`${name}/q`, `${name}/scale`, `${name}/zero`],
        [name],
        {},
        `${name}/dequantize`,
      ),
    ];
  };
  if (quant.has(opts.inputName)) throw new Error('the graph input itself is never quantised');
  for (const n of nodes) {
    if (n.opType === 'Conv') out.push(...quantizeConvWeights(n, inits, quant.get(n.input![0]!)!.scale));
    const produced = n.output!.filter((o) => quant.has(o));
    n.output = n.output!.map((o) => (quant.has(o) ? `${o}/f32` : o));
    out.push(n);
    for (const o of produced) out.push(...qdq(o));
  }
  graph.node = out;
  graph.initializer = [...inits.values(), ...newInits];
  return onnx.ModelProto.encode(model).finish();

  function quantizeConvWeights(conv: OnnxNode, all: Map<string, OnnxTensor>, inputScale: number): OnnxNode[] {
    const [, wName, bName] = conv.input as [string, string, string | undefined];
    const w = all.get(wName)!;
    const values = floats(w);
    const cout = Number(w.dims![0]);
    const per = values.length / cout;
    const scales = new Float32Array(cout);
    const unsigned = (opts.weights ?? 'int8') === 'uint8';
    const zero = unsigned ? 128 : 0;
    const q = new Array<number>(values.length);
    for (let c = 0; c < cout; c++) {
      let m = 0;
      for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(values[c * per + i]!));
      const s = m > 0 ? m / 127 : 1e-8;
      scales[c] = s;
      for (let i = 0; i < per; i++) q[c * per + i] = zero + Math.round(values[c * per + i]! / s);
    }
    all.delete(wName);
    const added: OnnxNode[] = [];
    newInits.push(
      intTensor(`${wName}/int8`, w.dims!.map(Number), unsigned ? 'uint8' : 'int8', q),
      floatTensor(`${wName}/scale`, [cout], scales),
      intTensor(`${wName}/zero`, [cout], unsigned ? 'uint8' : 'int8', new Array<number>(cout).fill(zero)),
    );
    added.push(
      node(
        'DequantizeLinear',
        [`${wName}/int8`, `${wName}/scale`, `${wName}/zero`],
        [wName],
        { axis: 0 },
        `${wName}/dequantize`,
      ),
    );
    if (bName) {
      const b = floats(all.get(bName)!);
      const bScales = scales.map((s) => s * inputScale);
      all.delete(bName);
      newInits.push(
        intTensor(
          `${bName}/int32`,
          [cout],
          'int32',
          Array.from(b, (v, c) => Math.round(v / bScales[c]!)),
        ),
        floatTensor(`${bName}/scale`, [cout], bScales),
        intTensor(`${bName}/zero`, [cout], 'int32', new Int32Array(cout)),
      );
      added.push(
        node(
          'DequantizeLinear',
          [`${bName}/int32`, `${bName}/scale`, `${bName}/zero`],
          [bName],
          { axis: 0 },
          `${bName}/dequantize`,
        ),
      );
    }
    return added;
  }
}

/** min/max of each tensor over the calibration images, from the float model with those tensors as outputs. */
async function calibrate(
  fp32: Uint8Array,
  tensors: string[],
  opts: QuantizeOptions,
): Promise<Map<string, Range>> {
  const model = onnx.ModelProto.decode(fp32);
  const g = model.graph!;
  const existing = new Set(g.output!.map((o) => o.name));
  for (const t of tensors)
    if (!existing.has(t))
      g.output!.push({ name: t, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    graphOptimizationLevel: 'basic',
  });
  const ranges = new Map<string, Range>(tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
  try {
    for (const x of opts.calibration) {
      const res = await session.run(
        { [opts.inputName]: new ort.Tensor('float32', x, [1, ...opts.inputDims]) },
        tensors,
      );
      for (const t of tensors) {
        const r = ranges.get(t)!;
        const d = res[t]!.data as Float32Array;
        for (let i = 0; i < d.length; i++) {
          const v = d[i]!;
          if (v < r.min) r.min = v;
          if (v > r.max) r.max = v;
        }
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}
