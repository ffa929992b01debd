/**
 * The recursive head as an ONNX graph: the backbone's spatial map [N, D, s, s] in, every supervision step's
 * calibrated probabilities, halting probability and attention map out. The recursion is unrolled (T steps ×
 * cycles × n latent updates, one set of weights), so a caller that halts early reads the step it halted at; the
 * graph always computes all T steps (a few hundred kFLOPs each, small next to the backbone).
 */
import { encodeModel, floatValueInfo, GraphBuilder } from '../onnx/onnx-builder';
import type { RecursiveHeadConfig } from './recursive-head.model';
import { views } from './recursive-head.model';
import type { RecursiveHead } from './recursive-head.train';
import type { TokenProjection } from './token-projection';

export const MAP_INPUT = 'feature_map';
export const STEP_PROBABILITIES_OUTPUT = 'step_probabilities';
export const STEP_HALT_OUTPUT = 'step_halt_probability';
export const STEP_ATTENTION_OUTPUT = 'step_attention';

/** Transposed copy of a row-major [rows, cols] matrix. */
function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

export function buildRecursiveHead(head: RecursiveHead, projection: TokenProjection): Uint8Array {
  const c: RecursiveHeadConfig = head.config;
  const { tokens: s, width: d, hidden: h, inDim: k, classes } = c;
  const side = Math.round(Math.sqrt(s));
  if (projection.components !== k || projection.tokens !== s)
    throw new Error('buildRecursiveHead: projection does not match the head');
  const v = views(c, head.params);
  const g = new GraphBuilder();
  const dim = projection.dim;

  // Tokens: [N, D, s, s] → [N, S, D] → projected [N, S, k] → embedded x [N, S, d].
  const flat = g.reshape(MAP_INPUT, [0, dim, s]);
  const tok = g.transpose(flat, [0, 2, 1]);
  const u = g.add(
    g.matMul(tok, g.constant('proj_t', [dim, k], transposed(projection.matrix, k, dim))),
    g.constant('proj_offset', [k], projection.offset),
  );
  const x = g.add(
    g.add(g.matMul(u, g.constant('win_t', [k, d], transposed(v.win, d, k))), g.constant('bin', [d], v.bin)),
    g.constant('pos', [s, d], v.pos),
  );
  const xT = g.transpose(x, [0, 2, 1]); // [N, d, S]

  // Initial carry broadcast to the batch: 0·mean(x) + y0 keeps the graph free of shape arithmetic.
  const zeroN = g.mul(g.reduceMean(x, [1, 2], 0), g.constant('zero', [1], [0])); // [N]
  const zeroCol = g.reshape(zeroN, [-1, 1]);
  let y = g.add(zeroCol, g.constant('y0', [1, d], v.y0));
  let z = g.add(zeroCol, g.constant('z0', [1, d], v.z0));

  const wq = g.constant('wq', [d, 2 * d], v.wq);
  const w1 = g.constant('w1', [h, 3 * d], v.w1);
  const b1 = g.constant('b1', [h], v.b1);
  const w2 = g.constant('w2', [d, h], v.w2);
  const b2 = g.constant('b2', [d], v.b2);
  const v1 = g.constant('v1', [h, 2 * d], v.v1);
  const c1 = g.constant('c1', [h], v.c1);
  const v2 = g.constant('v2', [d, h], v.v2);
  const c2 = g.constant('c2', [d], v.c2);
  const t = head.temperature;
  const wo = g.constant(
    'wo',
    [classes, d],
    Float32Array.from(v.wo, (w) => w / t),
  );
  const bo = g.constant(
    'bo',
    [classes],
    Float32Array.from(v.bo, (w) => w / t),
  );
  const wh = g.constant('wh', [1, d], v.wh);
  const bh = g.constant('bh', [1], v.bh);
  const scale = g.constant('attn_scale', [1], [1 / Math.sqrt(d)]);
  const perUpdate = g.constant('attn_mean', [1], [1 / (c.cycles * c.latentSteps)]);

  const probs: string[] = [];
  const halts: string[] = [];
  const maps: string[] = [];
  for (let step = 0; step < c.steps; step++) {
    let attention: string | null = null;
    for (let cycle = 0; cycle < c.cycles; cycle++) {
      for (let i = 0; i < c.latentSteps; i++) {
        const q = g.linear(g.concat([y, z], 1), wq); // [N, d]
        const scores = g.mul(g.matMul(x, g.reshape(q, [-1, d, 1])), scale); // [N, S, 1]
        const a = g.softmax(scores, 1);
        const r = g.reshape(g.matMul(xT, a), [-1, d]); // Σ_t a_t x_t
        z = g.tanh(g.linear(g.relu(g.linear(g.concat([r, y, z], 1), w1, b1)), w2, b2));
        attention = attention ? g.add(attention, a) : a;
      }
      y = g.tanh(g.linear(g.relu(g.linear(g.concat([y, z], 1), v1, c1)), v2, c2));
    }
    probs.push(g.reshape(g.softmax(g.linear(y, wo, bo), 1), [-1, 1, classes]));
    halts.push(g.sigmoid(g.linear(y, wh, bh)));
    maps.push(g.reshape(g.mul(attention!, perUpdate), [-1, 1, s]));
  }
  g.concat(probs, 1, STEP_PROBABILITIES_OUTPUT);
  g.concat(halts, 1, STEP_HALT_OUTPUT);
  g.concat(maps, 1, STEP_ATTENTION_OUTPUT);

  return encodeModel({
    name: 'recursive_reasoning_head',
    docString: `TRM-style recursive head: T=${c.steps}, cycles=${c.cycles}, n=${c.latentSteps}, width ${d}`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [floatValueInfo(MAP_INPUT, ['N', dim, side, side])],
    outputs: [
      floatValueInfo(STEP_PROBABILITIES_OUTPUT, ['N', c.steps, classes]),
      floatValueInfo(STEP_HALT_OUTPUT, ['N', c.steps]),
      floatValueInfo(STEP_ATTENTION_OUTPUT, ['N', c.steps, s]),
    ],
  });
}
