/**
 * The nearest labelled examples of a detector: a compact index of its training images' pooled backbone
 * features, shipped in the primary package's predictor_metadata.json (`neighbor_index`), because that file
 * travels every way a package does (cloud blob sidecar, EdgeModelInfo, edge install) and a new package file
 * would not.
 *
 * Compact: each example is centred on the training mean (ReLU6 features all point the same way, so raw cosines
 * crowd near 1), projected to 128 dimensions by a sparse random ±1 projection (Achlioptas) regenerated from a
 * seed (nothing to store; integer PRNG, so identical everywhere), L2-normalised and stored as int8 (128 B per
 * example). At most 400 examples (a stable per-class sample of the labels), so the index stays under ~80 kB of
 * JSON. Similarity = cosine in that space: an unbiased estimate of the centred features' cosine.
 */
import { mulberry32 } from '../training/stratified-split';

export const NEIGHBOR_INDEX_METHOD = 'centred_sparse_random_projection_int8';
export const DEFAULT_PROJECTED_DIM = 128;
export const DEFAULT_MAX_EXAMPLES = 400;
const PROJECTION_SEED = 0x5eed;

/** What predictor_metadata.json carries (JSON-safe). */
export interface NeighborIndexMetadata {
  method: typeof NEIGHBOR_INDEX_METHOD;
  dim: number;
  projected_dim: number;
  seed: number;
  /** base64 float32 [dim]: the training mean. */
  mean: string;
  /** base64 int8 [n × projected_dim]. */
  codes: string;
  image_query_ids: string[];
  /** Class index of each example (into the package's class_names). */
  labels: number[];
  /** How many labelled examples the sample was drawn from. */
  sampled_from: number;
}

export interface IndexExample {
  id: string;
  features: Float32Array;
  classIndex: number;
}

export interface NeighborHit {
  imageQueryId: string;
  classIndex: number;
  similarity: number;
}

/** A sparse ±1 projection: per output dimension, the inputs it adds and the inputs it subtracts. */
interface Projection {
  plus: Int32Array[];
  minus: Int32Array[];
}

/** Entries 0 / +1 / −1 with probability 2/3, 1/6, 1/6, drawn row by row ([projectedDim, dim]). */
function projection(dim: number, projectedDim: number, seed: number): Projection {
  const rng = mulberry32(seed);
  const plus: Int32Array[] = [];
  const minus: Int32Array[] = [];
  for (let i = 0; i < projectedDim; i++) {
    const p: number[] = [];
    const m: number[] = [];
    for (let j = 0; j < dim; j++) {
      const u = rng();
      if (u < 1 / 6) p.push(j);
      else if (u < 1 / 3) m.push(j);
    }
    plus.push(Int32Array.from(p));
    minus.push(Int32Array.from(m));
  }
  return { plus, minus };
}

function project(r: Projection, mean: Float32Array, x: ArrayLike<number>): Float32Array {
  const dim = mean.length;
  const centred = new Float64Array(dim);
  for (let j = 0; j < dim; j++) centred[j] = x[j]! - mean[j]!;
  const out = new Float32Array(r.plus.length);
  let norm = 0;
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (const j of r.plus[i]!) s += centred[j]!;
    for (const j of r.minus[i]!) s -= centred[j]!;
    out[i] = s;
    norm += s * s;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * inv;
  return out;
}

/** FNV-1a of the id: a stable order, so a retrain on the same labels samples the same examples. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** At most `max` examples, classes taking turns (each in id-hash order), so rare classes are kept. */
function sample(examples: readonly IndexExample[], max: number): IndexExample[] {
  if (examples.length <= max) return [...examples];
  const byClass = new Map<number, IndexExample[]>();
  for (const e of examples) byClass.set(e.classIndex, [...(byClass.get(e.classIndex) ?? []), e]);
  const queues = [...byClass.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, list]) => list.sort((a, b) => idHash(a.id) - idHash(b.id)));
  const out: IndexExample[] = [];
  for (let round = 0; out.length < max; round++)
    for (const q of queues) if (round < q.length && out.length < max) out.push(q[round]!);
  return out;
}

const toBase64 = (a: Float32Array | Int8Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function buildNeighborIndex(
  examples: readonly IndexExample[],
  opts: { projectedDim?: number; maxExamples?: number } = {},
): NeighborIndexMetadata | null {
  if (examples.length === 0) return null;
  const dim = examples[0]!.features.length;
  const projectedDim = opts.projectedDim ?? DEFAULT_PROJECTED_DIM;
  const mean = new Float32Array(dim);
  const acc = new Float64Array(dim);
  for (const e of examples) for (let j = 0; j < dim; j++) acc[j] = acc[j]! + e.features[j]!;
  for (let j = 0; j < dim; j++) mean[j] = acc[j]! / examples.length;
  const chosen = sample(examples, opts.maxExamples ?? DEFAULT_MAX_EXAMPLES);
  const r = projection(dim, projectedDim, PROJECTION_SEED);
  const codes = new Int8Array(chosen.length * projectedDim);
  chosen.forEach((e, n) => {
    const u = project(r, mean, e.features);
    let max = 0;
    for (const v of u) max = Math.max(max, Math.abs(v));
    const scale = max > 0 ? 127 / max : 0;
    for (let i = 0; i < projectedDim; i++) codes[n * projectedDim + i] = Math.round(u[i]! * scale);
  });
  return {
    method: NEIGHBOR_INDEX_METHOD,
    dim,
    projected_dim: projectedDim,
    seed: PROJECTION_SEED,
    mean: toBase64(mean),
    codes: toBase64(codes),
    image_query_ids: chosen.map((e) => e.id),
    labels: chosen.map((e) => e.classIndex),
    sampled_from: examples.length,
  };
}

/** The loaded index: top-k cosine search of a pooled vector. */
export class NeighborIndex {
  private constructor(
    private readonly r: Projection,
    /** The mean pooled vector of all the labelled examples (the evidence reference, model-explainer.ts). */
    readonly mean: Float32Array,
    /** Unit vectors, row-major [n, projectedDim]. */
    private readonly vectors: Float32Array,
    private readonly projectedDim: number,
    readonly imageQueryIds: readonly string[],
    readonly labels: readonly number[],
  ) {}

  get size(): number {
    return this.imageQueryIds.length;
  }

  /** Null when `meta` is absent or malformed (a package without neighbours still serves answers). */
  static load(meta: unknown, dim: number): NeighborIndex | null {
    if (typeof meta !== 'object' || meta === null) return null;
    const m = meta as Partial<NeighborIndexMetadata>;
    if (m.method !== NEIGHBOR_INDEX_METHOD || m.dim !== dim || typeof m.projected_dim !== 'number')
      return null;
    if (!Array.isArray(m.image_query_ids) || !Array.isArray(m.labels)) return null;
    if (typeof m.mean !== 'string' || typeof m.codes !== 'string' || typeof m.seed !== 'number') return null;
    const pd = m.projected_dim;
    const n = m.image_query_ids.length;
    const meanBytes = Buffer.from(m.mean, 'base64');
    const codeBytes = Buffer.from(m.codes, 'base64');
    if (meanBytes.length !== dim * 4 || codeBytes.length !== n * pd || m.labels.length !== n) return null;
    const mean = new Float32Array(
      meanBytes.buffer.slice(meanBytes.byteOffset, meanBytes.byteOffset + dim * 4),
    );
    const codes = new Int8Array(codeBytes.buffer, codeBytes.byteOffset, codeBytes.length);
    const vectors = new Float32Array(n * pd);
    for (let e = 0; e < n; e++) {
      let norm = 0;
      for (let i = 0; i < pd; i++) norm += codes[e * pd + i]! ** 2;
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let i = 0; i < pd; i++) vectors[e * pd + i] = codes[e * pd + i]! * inv;
    }
    return new NeighborIndex(projection(dim, pd, m.seed), mean, vectors, pd, m.image_query_ids, m.labels);
  }

  /** The k most similar examples, most similar first. */
  search(pooled: ArrayLike<number>, k: number): NeighborHit[] {
    const pd = this.projectedDim;
    const q = project(this.r, this.mean, pooled);
    const sims = new Float64Array(this.size);
    const v = this.vectors;
    for (let e = 0; e < this.size; e++) {
      let s = 0;
      const row = e * pd;
      for (let i = 0; i < pd; i++) s += q[i]! * v[row + i]!;
      sims[e] = s;
    }
    const top = topK(sims, k);
    return top.map(({ e, s }) => ({
      imageQueryId: this.imageQueryIds[e]!,
      classIndex: this.labels[e]!,
      similarity: Math.max(-1, Math.min(1, s)),
    }));
  }
}

/** The k largest of `sims` with their indices, largest first (one pass, no full sort). */
function topK(sims: Float64Array, k: number): { e: number; s: number }[] {
  const top: { e: number; s: number }[] = [];
  for (let e = 0; e < sims.length; e++) {
    const s = sims[e]!;
    if (top.length === k && s <= top[k - 1]!.s) continue;
    let at = top.length === k ? k - 1 : top.length;
    top[at] = { e, s };
    while (at > 0 && top[at - 1]!.s < s) {
      [top[at - 1], top[at]] = [top[at]!, top[at - 1]!];
      at--;
    }
  }
  return top;
}
