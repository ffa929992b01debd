/**
 * Exact evidence maps for a linear head on pooled patch features. The backbone's pooled vector is the plain mean
 * of its S×S feature map (backbone.converter.ts: GlobalAveragePool of Conv_1/Relu6, nothing in between) and the
 * softmax head is one Gemm on it (softmax.head.ts), so for every class k
 *   logit_k = w_k · mean_p f_p + b_k = Σ_p (w_k · f_p)/P + b_k.
 * The map explains the margin of the answer's label over the runner-up class: cell p holds (w_label − w_runner)·f_p/P,
 * and the cells plus (b_label − b_runner) sum to logit_label − logit_runner exactly. The runner-up, not the mean of the
 * other classes, because that margin is what decides the answer and its confidence (log p_label/p_runner); for a
 * binary detector the two choices are the same.
 *
 * Reference: this backbone's map of a blank (uniform) image is far from uniform (some cells respond twice as
 * strongly as others to nothing at all), so cells are measured against a reference map r (model-explainer.ts
 * `evidenceReference`: the detector's average training image with that fixed per-cell pattern):
 * cell p = (w_label − w_runner)·(f_p − r_p)/P, and the cells plus `baseTerm` (the reference's own margin,
 * (b_label − b_runner) + (w_label − w_runner)·mean_p r_p) still sum to the margin exactly (the completeness of
 * a baseline attribution). Each cell then says how much that patch moves the answer away from the reference.
 *
 * The weights are read back from model.buf's initializers, so every package built by buildSoftmaxHead has a map,
 * old ones included, with no new package file. Units: the head's (temperature-folded) logits.
 */
import onnxProto from 'onnx-proto';
import { HEAD_INPUT } from '../heads/softmax.head';

const { onnx } = onnxProto;

export interface LinearHeadWeights {
  numClasses: number;
  dim: number;
  /** Row-major [numClasses, dim]. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface LinearEvidence {
  rows: number;
  cols: number;
  /** rows × cols contributions to logit_label − logit_against, row-major, top row first. */
  values: number[];
  /** The margin of the baseline image (b_label − b_against without one): the part no patch carries. */
  baseTerm: number;
  label: number;
  against: number;
}

function floatData(t: onnxProto.onnx.ITensorProto): Float32Array | null {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) return null;
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    // Copy: the protobuf buffer's offset need not be 4-byte aligned.
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return t.floatData && t.floatData.length > 0 ? Float32Array.from(t.floatData) : null;
}

/**
 * The weights of a `Gemm(features, W, B, transB=1) → Softmax` head, or null for any other graph (another head
 * kind has no exact linear map; it provides its own).
 */
export function readLinearHead(modelBytes: Uint8Array): LinearHeadWeights | null {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(modelBytes);
  } catch {
    return null;
  }
  const nodes = model.graph?.node ?? [];
  const initializers = model.graph?.initializer ?? [];
  if (nodes.map((n) => n.opType).join() !== 'Gemm,Softmax') return null;
  const gemm = nodes[0]!;
  const [x, wName, bName] = gemm.input ?? [];
  const attr = (name: string) => (gemm.attribute ?? []).find((a) => a.name === name);
  const transB = Number(attr('transB')?.i ?? 0);
  const alpha = attr('alpha')?.f ?? 1;
  const beta = attr('beta')?.f ?? 1;
  if (x !== HEAD_INPUT || transB !== 1 || Number(attr('transA')?.i ?? 0) !== 0) return null;
  if (alpha !== 1 || beta !== 1) return null;
  const init = (name: string | undefined) => initializers.find((t) => t.name === name);
  const w = init(wName);
  const b = init(bName);
  if (!w?.dims || !b?.dims || w.dims.length !== 2 || b.dims.length !== 1) return null;
  const numClasses = Number(w.dims[0]);
  const dim = Number(w.dims[1]);
  const weights = floatData(w);
  const bias = floatData(b);
  if (!weights || !bias || weights.length !== numClasses * dim || bias.length !== numClasses) return null;
  return { numClasses, dim, weights, bias };
}

/** Logits of the pooled vector (float64 sums), for choosing the runner-up and for tests. */
export function linearLogits(head: LinearHeadWeights, pooled: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let k = 0; k < head.numClasses; k++) {
    let s = head.bias[k]!;
    const row = k * head.dim;
    for (let j = 0; j < head.dim; j++) s += head.weights[row + j]! * pooled[j]!;
    out.push(s);
  }
  return out;
}

/**
 * Per-patch contributions to logit_label − logit_against from the NCHW map [dim, size, size]
 * (VisionEngine.embedSpatialTensors). `against` defaults to the runner-up class of `probabilities`.
 */
export function linearEvidence(
  head: LinearHeadWeights,
  map: Float32Array,
  size: number,
  label: number,
  probabilities: readonly number[],
  baseline?: Float32Array | null,
  against?: number,
): LinearEvidence | null {
  const { dim, numClasses } = head;
  const cells = size * size;
  if (map.length !== dim * cells || label < 0 || label >= numClasses || numClasses < 2) return null;
  if (baseline && baseline.length !== map.length) return null;
  let other = against ?? -1;
  if (other < 0)
    for (let k = 0; k < numClasses; k++)
      if (k !== label && (other < 0 || probabilities[k]! > probabilities[other]!)) other = k;
  const { diff, base } = pairTerms(head, label, other, baseline ?? null);
  const acc = new Float64Array(cells);
  // NCHW: channel-major, so walk each channel's plane once (cache-friendly).
  for (let j = 0; j < dim; j++) {
    const d = diff[j]!;
    if (d === 0) continue;
    const plane = j * cells;
    for (let p = 0; p < cells; p++) acc[p] = acc[p]! + d * map[plane + p]!;
  }
  // The baseline enters as one precomputed map per class pair: Σ_j d_j·r_j,p.
  if (base) for (let p = 0; p < cells; p++) acc[p] = acc[p]! - base.map[p]!;
  const values = Array.from(acc, (v) => v / cells);
  return {
    rows: size,
    cols: size,
    values,
    baseTerm: head.bias[label]! - head.bias[other]! + (base ? base.total / cells : 0),
    label,
    against: other,
  };
}

interface PairTerms {
  diff: Float64Array;
  /** The baseline's per-cell margin map and its sum, when there is a baseline. */
  base: { map: Float64Array; total: number } | null;
}

/** w_label − w_against and the baseline's map of it, cached per head, pair and baseline (few pairs per head). */
type PairCache = Map<string, { baseline: Float32Array | null; terms: PairTerms }>;
const pairCache = new WeakMap<LinearHeadWeights, PairCache>();

function pairTerms(
  head: LinearHeadWeights,
  label: number,
  other: number,
  baseline: Float32Array | null,
): PairTerms {
  let byPair = pairCache.get(head);
  if (!byPair) {
    byPair = new Map() as PairCache;
    pairCache.set(head, byPair);
  }
  const key = `${label}:${other}`;
  const hit = byPair.get(key);
  if (hit && hit.baseline === baseline) return hit.terms;
  const { dim } = head;
  const diff = new Float64Array(dim);
  for (let j = 0; j < dim; j++) diff[j] = head.weights[label * dim + j]! - head.weights[other * dim + j]!;
  let base: PairTerms['base'] = null;
  if (baseline) {
    const cells = baseline.length / dim;
    const map = new Float64Array(cells);
    for (let j = 0; j < dim; j++)
      for (let p = 0; p < cells; p++) map[p] = map[p]! + diff[j]! * baseline[j * cells + p]!;
    base = { map, total: map.reduce((a, v) => a + v, 0) };
  }
  const terms = { diff, base };
  byPair.set(key, { baseline, terms });
  return terms;
}
