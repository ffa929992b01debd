/**
 * The recursive reasoning head (after TRM, Tiny Recursive Model, SamsungSAILMontreal/TinyRecursiveModels): one
 * tiny network applied recursively to an answer state y and a latent state z over the image's patch tokens x.
 *
 *   per supervision step (T of them, the carry (y, z) detached between steps, a loss at every step):
 *     repeat `cycles` times (all but the last without gradient, as TRM's H_cycles):
 *       repeat n times:  z ← f(x, y, z)  (attention read of x queried by (y, z), then an MLP)
 *       y ← g(y, z)
 *     logits = Wo·y, halt = wh·y   (halt trained with BCE on "the step's answer is right")
 *
 * The attention weights of every latent update are the step's evidence map over the 7×7 cells. Everything is
 * float32 typed arrays with a hand-written backward pass; matrices are row-major, loops run along rows.
 */
import { mulberry32 } from '../training/stratified-split';

export interface RecursiveHeadConfig {
  /** Tokens per image (7×7 = 49). */
  tokens: number;
  /** Projected token width (the TokenProjection's components). */
  inDim: number;
  /** State width d of x, y and z. */
  width: number;
  /** MLP hidden width. */
  hidden: number;
  classes: number;
  /** Latent updates per cycle (TRM's L_cycles, n). */
  latentSteps: number;
  /** Cycles per supervision step; only the last keeps gradients (TRM's H_cycles). */
  cycles: number;
  /** Supervision steps T (TRM's halt_max_steps). */
  steps: number;
}

export const DEFAULT_RECURSIVE_CONFIG: Omit<RecursiveHeadConfig, 'tokens' | 'inDim' | 'classes'> = {
  width: 48,
  hidden: 96,
  latentSteps: 3,
  cycles: 2,
  steps: 3,
};

/** Parameter tensors, in buffer order, with their shapes. */
export function parameterShapes(c: RecursiveHeadConfig): [string, number[]][] {
  const { width: d, hidden: h, inDim: p, tokens: s, classes: k } = c;
  return [
    ['win', [d, p]],
    ['bin', [d]],
    ['pos', [s, d]],
    ['wq', [d, 2 * d]],
    ['w1', [h, 3 * d]],
    ['b1', [h]],
    ['w2', [d, h]],
    ['b2', [d]],
    ['v1', [h, 2 * d]],
    ['c1', [h]],
    ['v2', [d, h]],
    ['c2', [d]],
    ['wo', [k, d]],
    ['bo', [k]],
    ['wh', [d]],
    ['bh', [1]],
    ['y0', [d]],
    ['z0', [d]],
  ];
}

export type ParamName =
  | 'win'
  | 'bin'
  | 'pos'
  | 'wq'
  | 'w1'
  | 'b1'
  | 'w2'
  | 'b2'
  | 'v1'
  | 'c1'
  | 'v2'
  | 'c2'
  | 'wo'
  | 'bo'
  | 'wh'
  | 'bh'
  | 'y0'
  | 'z0';

export type ParamViews = Record<ParamName, Float32Array>;

export function parameterCount(c: RecursiveHeadConfig): number {
  return parameterShapes(c).reduce((a, [, dims]) => a + dims.reduce((x, y) => x * y, 1), 0);
}

/** Named views over one flat buffer (params and their gradients share the layout). */
export function views(c: RecursiveHeadConfig, buf: Float32Array): ParamViews {
  const out: Partial<ParamViews> = {};
  let off = 0;
  for (const [name, dims] of parameterShapes(c)) {
    const n = dims.reduce((x, y) => x * y, 1);
    out[name as ParamName] = buf.subarray(off, off + n);
    off += n;
  }
  return out as ParamViews;
}

/** Seeded init: uniform ±1/√fan_in for matrices, zeros for biases, the halting weights zero (as TRM). */
export function initParameters(c: RecursiveHeadConfig, seed: number): Float32Array {
  const buf = new Float32Array(parameterCount(c));
  const v = views(c, buf);
  const rng = mulberry32(seed);
  const fill = (a: Float32Array, fanIn: number): void => {
    const b = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng() - 1) * b;
  };
  const { width: d, hidden: h, inDim: p } = c;
  fill(v.win, p);
  fill(v.pos, 4 * d); // small: position is a hint, not the signal
  fill(v.wq, 2 * d);
  fill(v.w1, 3 * d);
  fill(v.w2, h);
  fill(v.v1, 2 * d);
  fill(v.v2, h);
  fill(v.wo, d);
  fill(v.y0, 1);
  fill(v.z0, 1);
  for (let i = 0; i < d; i++) {
    v.y0[i]! *= 0.5;
    v.z0[i]! *= 0.5;
  }
  return buf;
}

// ---------------------------------------------------------------- small dense kernels

const relu = (v: Float32Array): Float32Array => v.map((p) => (p > 0 ? p : 0));

/** out[r] = b[r] + Σ_c W[r,c]·x[c] */
function affine(
  w: Float32Array,
  b: Float32Array | null,
  rows: number,
  cols: number,
  x: Float32Array,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    let s = b ? b[r]! : 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) s += w[o + c]! * x[c]!;
    out[r] = s;
  }
}

/** dx[c] += Σ_r W[r,c]·dy[r];  dW[r,c] += dy[r]·x[c] */
function affineBack(
  w: Float32Array,
  dw: Float32Array,
  db: Float32Array | null,
  rows: number,
  cols: number,
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array | null,
): void {
  for (let r = 0; r < rows; r++) {
    const g = dy[r]!;
    if (g === 0) continue;
    if (db) db[r]! += g;
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      dw[o + c]! += g * x[c]!;
      if (dx) dx[c]! += g * w[o + c]!;
    }
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- forward

/** Token embeddings x [tokens, width] from projected tokens u [tokens, inDim]. */
export function embedTokens(c: RecursiveHeadConfig, v: ParamViews, u: Float32Array): Float32Array {
  const { tokens: s, width: d, inDim: p } = c;
  const x = new Float32Array(s * d);
  const row = new Float32Array(d);
  for (let t = 0; t < s; t++) {
    affine(v.win, v.bin, d, p, u.subarray(t * p, (t + 1) * p), row);
    for (let j = 0; j < d; j++) x[t * d + j] = row[j]! + v.pos[t * d + j]!;
  }
  return x;
}

interface LatentRecord {
  yz: Float32Array;
  q: Float32Array;
  a: Float32Array;
  cat: Float32Array;
  pre: Float32Array;
  z: Float32Array;
}

interface AnswerRecord {
  yz: Float32Array;
  pre: Float32Array;
  y: Float32Array;
}

function latentUpdate(
  c: RecursiveHeadConfig,
  v: ParamViews,
  x: Float32Array,
  y: Float32Array,
  z: Float32Array,
): LatentRecord {
  const { tokens: s, width: d, hidden: h } = c;
  const yz = concat([y, z]);
  const q = new Float32Array(d);
  affine(v.wq, null, d, 2 * d, yz, q);
  const a = new Float32Array(s);
  const scale = 1 / Math.sqrt(d);
  let max = -Infinity;
  for (let t = 0; t < s; t++) {
    let dot = 0;
    const o = t * d;
    for (let j = 0; j < d; j++) dot += x[o + j]! * q[j]!;
    a[t] = dot * scale;
    if (a[t]! > max) max = a[t]!;
  }
  let sum = 0;
  for (let t = 0; t < s; t++) {
    a[t] = Math.exp(a[t]! - max);
    sum += a[t]!;
  }
  const r = new Float32Array(d);
  for (let t = 0; t < s; t++) {
    a[t]! /= sum;
    const w = a[t]!;
    const o = t * d;
    for (let j = 0; j < d; j++) r[j]! += w * x[o + j]!;
  }
  const cat = concat([r, y, z]);
  const { pre, out } = twoLayerTanh(v.w1, v.b1, v.w2, v.b2, h, d, cat);
  return { yz, q, a, cat, pre, z: out };
}

/** tanh(W2 · relu(W1 · input + b1) + b2), keeping the hidden pre-activation for backward. */
function twoLayerTanh(
  w1: Float32Array,
  b1: Float32Array,
  w2: Float32Array,
  b2: Float32Array,
  hidden: number,
  width: number,
  input: Float32Array,
): { pre: Float32Array; out: Float32Array } {
  const pre = new Float32Array(hidden);
  affine(w1, b1, hidden, input.length, input, pre);
  const out = new Float32Array(width);
  affine(w2, b2, width, hidden, relu(pre), out);
  for (let j = 0; j < width; j++) out[j] = Math.tanh(out[j]!);
  return { pre, out };
}

/** Backward of twoLayerTanh: accumulates the four parameter gradients, returns d(input). */
function twoLayerTanhBack(
  w1: Float32Array,
  dw1: Float32Array,
  db1: Float32Array,
  w2: Float32Array,
  dw2: Float32Array,
  db2: Float32Array,
  input: Float32Array,
  pre: Float32Array,
  out: Float32Array,
  dOut: Float32Array,
): Float32Array {
  const hidden = pre.length;
  const dPre2 = dOut.map((g, j) => g * (1 - out[j]! * out[j]!));
  const dHid = new Float32Array(hidden);
  affineBack(w2, dw2, db2, out.length, hidden, relu(pre), dPre2, dHid);
  for (let j = 0; j < hidden; j++) if (pre[j]! <= 0) dHid[j] = 0;
  const dIn = new Float32Array(input.length);
  affineBack(w1, dw1, db1, hidden, input.length, input, dHid, dIn);
  return dIn;
}

function answerUpdate(c: RecursiveHeadConfig, v: ParamViews, y: Float32Array, z: Float32Array): AnswerRecord {
  const { width: d, hidden: h } = c;
  const yz = concat([y, z]);
  const { pre, out } = twoLayerTanh(v.v1, v.c1, v.v2, v.c2, h, d, yz);
  return { yz, pre, y: out };
}

export interface StepOutput {
  logits: Float32Array;
  haltLogit: number;
  /** Mean attention over the step's latent updates, one weight per token (sums to 1). */
  attention: Float32Array;
}

interface StepTrace {
  latents: LatentRecord[];
  answer: AnswerRecord;
  yIn: Float32Array;
  zIn: Float32Array;
  out: StepOutput;
}

/** One supervision step from (y, z); returns the new carry and, for the last cycle, what backward needs. */
function step(
  c: RecursiveHeadConfig,
  v: ParamViews,
  x: Float32Array,
  y: Float32Array,
  z: Float32Array,
): StepTrace {
  const attention = new Float32Array(c.tokens);
  let latents: LatentRecord[] = [];
  let answer: AnswerRecord | null = null;
  let yIn = y;
  let zIn = z;
  for (let cycle = 0; cycle < c.cycles; cycle++) {
    yIn = y;
    zIn = z;
    latents = [];
    for (let i = 0; i < c.latentSteps; i++) {
      const rec = latentUpdate(c, v, x, y, z);
      latents.push(rec);
      z = rec.z;
      for (let t = 0; t < c.tokens; t++) attention[t]! += rec.a[t]! / (c.cycles * c.latentSteps);
    }
    answer = answerUpdate(c, v, y, z);
    y = answer.y;
  }
  const logits = new Float32Array(c.classes);
  affine(v.wo, v.bo, c.classes, c.width, y, logits);
  let halt = v.bh[0]!;
  for (let j = 0; j < c.width; j++) halt += v.wh[j]! * y[j]!;
  return { latents, answer: answer!, yIn, zIn, out: { logits, haltLogit: halt, attention } };
}

/** Inference: every supervision step's logits, halting logit and attention (no early exit: the caller halts). */
export function forwardSteps(c: RecursiveHeadConfig, params: Float32Array, u: Float32Array): StepOutput[] {
  const v = views(c, params);
  const x = embedTokens(c, v, u);
  let y = v.y0;
  let z = v.z0;
  const out: StepOutput[] = [];
  for (let t = 0; t < c.steps; t++) {
    const tr = step(c, v, x, y, z);
    out.push(tr.out);
    y = tr.answer.y;
    z = tr.latents[tr.latents.length - 1]!.z;
  }
  return out;
}

// ---------------------------------------------------------------- loss and backward

export const HALT_LOSS_WEIGHT = 0.5;

function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  const p = logits.map((l) => Math.exp(l - max));
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((e) => e / z);
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Deep-supervision loss of one example, averaged over steps, with its gradient added into `grad` times `scale`.
 * Between steps the carry is detached (gradients stop at each step's input), as in TRM; only the first step's
 * inputs are parameters (y0, z0).
 */
export function lossAndGradient(
  c: RecursiveHeadConfig,
  params: Float32Array,
  u: Float32Array,
  label: number,
  grad: Float32Array,
  scale = 1,
): number {
  const v = views(c, params);
  const g = views(c, grad);
  const { tokens: s, width: d, inDim: p } = c;
  const x = embedTokens(c, v, u);
  const dx = new Float32Array(s * d);
  let y = v.y0;
  let z = v.z0;
  let loss = 0;
  const w = scale / c.steps;
  for (let stepIdx = 0; stepIdx < c.steps; stepIdx++) {
    const tr = step(c, v, x, y, z);
    const probs = softmax(tr.out.logits);
    let best = 0;
    for (let k = 1; k < c.classes; k++) if (probs[k]! > probs[best]!) best = k;
    const correct = best === label ? 1 : 0;
    const hp = sigmoid(tr.out.haltLogit);
    loss +=
      (-Math.log(Math.max(probs[label]!, 1e-12)) -
        HALT_LOSS_WEIGHT * (correct ? Math.log(Math.max(hp, 1e-12)) : Math.log(Math.max(1 - hp, 1e-12)))) /
      c.steps;

    // Heads.
    const yOut = tr.answer.y;
    const dlogits = probs.map((pr, k) => (pr - (k === label ? 1 : 0)) * w);
    const dy = new Float32Array(d);
    affineBack(v.wo, g.wo, g.bo, c.classes, d, yOut, dlogits, dy);
    const dh = (hp - correct) * HALT_LOSS_WEIGHT * w;
    g.bh[0]! += dh;
    for (let j = 0; j < d; j++) {
      g.wh[j]! += dh * yOut[j]!;
      dy[j]! += dh * v.wh[j]!;
    }

    // Answer update y' = tanh(v2·relu(v1·[y;z]+c1)+c2).
    const ans = tr.answer;
    const dyz = twoLayerTanhBack(v.v1, g.v1, g.c1, v.v2, g.v2, g.c2, ans.yz, ans.pre, yOut, dy);
    const dyIn = dyz.slice(0, d); // y is constant through the latent updates: its gradient accumulates here
    let dz = dyz.slice(d);

    // Latent updates, last to first.
    for (let i = tr.latents.length - 1; i >= 0; i--) {
      const rec = tr.latents[i]!;
      const dcat = twoLayerTanhBack(v.w1, g.w1, g.b1, v.w2, g.w2, g.b2, rec.cat, rec.pre, rec.z, dz);
      const dzPrev = dcat.slice(2 * d);
      for (let j = 0; j < d; j++) dyIn[j]! += dcat[d + j]!;
      // r = Σ a_t x_t, a = softmax(x·q/√d).
      const dr = dcat.subarray(0, d);
      const da = new Float32Array(s);
      let adot = 0;
      for (let t = 0; t < s; t++) {
        const o = t * d;
        const at = rec.a[t]!;
        let dot = 0;
        for (let j = 0; j < d; j++) {
          dot += x[o + j]! * dr[j]!;
          dx[o + j]! += at * dr[j]!;
        }
        da[t] = dot;
        adot += at * dot;
      }
      const sc = 1 / Math.sqrt(d);
      const dq = new Float32Array(d);
      for (let t = 0; t < s; t++) {
        const ds = rec.a[t]! * (da[t]! - adot) * sc;
        if (ds === 0) continue;
        const o = t * d;
        for (let j = 0; j < d; j++) {
          dq[j]! += ds * x[o + j]!;
          dx[o + j]! += ds * rec.q[j]!;
        }
      }
      const dyz2 = new Float32Array(2 * d);
      affineBack(v.wq, g.wq, null, d, 2 * d, rec.yz, dq, dyz2);
      for (let j = 0; j < d; j++) {
        dyIn[j]! += dyz2[j]!;
        dzPrev[j]! += dyz2[d + j]!;
      }
      dz = dzPrev;
    }
    // Only the first step with a single cycle starts from the parameters y0, z0; later carries are detached.
    if (stepIdx === 0 && c.cycles === 1) {
      for (let j = 0; j < d; j++) {
        g.y0[j]! += dyIn[j]!;
        g.z0[j]! += dz[j]!;
      }
    }
    y = tr.answer.y;
    z = tr.latents[tr.latents.length - 1]!.z;
  }
  // Token embeddings x_t = win·u_t + bin + pos_t.
  for (let t = 0; t < s; t++) {
    const dxt = dx.subarray(t * d, (t + 1) * d);
    affineBack(v.win, g.win, g.bin, d, p, u.subarray(t * p, (t + 1) * p), dxt, null);
    for (let j = 0; j < d; j++) g.pos[t * d + j]! += dxt[j]!;
  }
  return loss;
}
