/**
 * The model side of an answer's explanation (libs/schema explanation.ts `ModelExplanation`): what the model saw,
 * the in-domain check, the exact evidence map of a linear head and the nearest labelled examples. Built once per
 * loaded package (weights decoded from model.buf, the index from predictor_metadata.json); explaining one answer
 * costs one pass over the 7×7 map and one projection (README "Explanations" has the measured cost).
 */
import type { ExplanationStep, ModelExplanation, Neighbor } from '@intellioptics/schema';
import type { ModelPackage } from '../package/model-package.types';
import type { LinearHeadWeights } from './linear-evidence';
import { linearEvidence, readLinearHead } from './linear-evidence';
import { NeighborIndex } from './neighbor-index';

export const DEFAULT_NEIGHBORS = 5;

/**
 * The map the evidence cells are measured against. With the detector's training mean μ (shipped in its
 * neighbour index): r_p = μ + (blank_p − mean_q blank_q), the average training image with the backbone's fixed
 * per-cell pattern (what a blank image shows at each cell) put back, so a cell says how this patch differs
 * from the detector's typical image at that place, and the rest of the margin (the average image's own margin)
 * goes to the base term. Without μ (packages before the index): the blank image itself.
 */
export function evidenceReference(blank: Float32Array, mean: Float32Array | null): Float32Array {
  if (!mean) return blank;
  const dim = mean.length;
  const cells = blank.length / dim;
  const r = new Float32Array(blank.length);
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (let p = 0; p < cells; p++) m += blank[j * cells + p]!;
    m /= cells;
    for (let p = 0; p < cells; p++) r[j * cells + p] = mean[j]! + blank[j * cells + p]! - m;
  }
  return r;
}

export interface OoddReading {
  inDomainProbability: number;
  /** Mahalanobis distance to the nearest training cluster (NaN when the head has no distance output). */
  distance: number;
  /** The distance at which the in-domain probability is 0.5 (calibration τ), when known. */
  tau: number | null;
}

export interface ExplainInput {
  /** The primary head's probabilities, in class order. */
  probabilities: readonly number[];
  pooled: ArrayLike<number>;
  /** NCHW [dim, size, size] before pooling; absent → no evidence map. */
  map?: Float32Array | undefined;
  mapSize: number;
  /** The blank image's map (blankBaseline), the base of the reference (evidenceReference); absent → raw w·f_p/P. */
  baseline?: Float32Array | null;
  oodd: OoddReading | null;
  neighbors?: number;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

export class ModelExplainer {
  private reference: { blank: Float32Array; map: Float32Array } | null = null;

  private constructor(
    readonly classNames: readonly string[],
    readonly linear: LinearHeadWeights | null,
    readonly index: NeighborIndex | null,
  ) {}

  /** From a primary package; parts the package cannot support (no linear head, no index) are left out. */
  static fromPackage(pkg: ModelPackage): ModelExplainer {
    const { metadata } = pkg;
    const linear = readLinearHead(pkg.modelBytes);
    const fits =
      linear && linear.dim === metadata.input.dim && linear.numClasses === metadata.class_names.length;
    return new ModelExplainer(
      metadata.class_names,
      fits ? linear : null,
      NeighborIndex.load(metadata.neighbor_index, metadata.input.dim),
    );
  }

  /** The reference map for `blank`, computed once (the same blank serves every answer). */
  private referenceFor(blank: Float32Array | null | undefined): Float32Array | null {
    if (!blank) return null;
    if (this.reference?.blank !== blank)
      this.reference = { blank, map: evidenceReference(blank, this.index?.mean ?? null) };
    return this.reference.map;
  }

  explain(input: ExplainInput): ModelExplanation {
    const probs = input.probabilities;
    let best = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
    const name = (k: number): string => this.classNames[k] ?? String(k);
    const steps: ExplanationStep[] = [];

    let runner = -1;
    for (let k = 0; k < probs.length; k++)
      if (k !== best && (runner < 0 || probs[k]! > probs[runner]!)) runner = k;
    const ev =
      this.linear && input.map
        ? linearEvidence(
            this.linear,
            input.map,
            input.mapSize,
            best,
            probs,
            this.referenceFor(input.baseline),
          )
        : null;
    const peak = ev ? ev.values.reduce((b, v, i, a) => (v > a[b]! ? i : b), 0) : -1;
    steps.push({
      kind: 'observation',
      text:
        `The model sees ${name(best)} with raw confidence ${pct(probs[best]!)}` +
        (runner >= 0 ? ` (next: ${name(runner)} ${pct(probs[runner]!)})` : '') +
        (ev
          ? `; the strongest evidence is in row ${Math.floor(peak / ev.cols) + 1}, column ${(peak % ev.cols) + 1} of the ${ev.rows}×${ev.cols} map.`
          : '.'),
      data: {
        label: name(best),
        confidence: probs[best]!,
        runner_up: runner >= 0 ? name(runner) : null,
        runner_up_confidence: runner >= 0 ? probs[runner]! : null,
        ...(ev
          ? {
              evidence_against: name(ev.against),
              evidence_base: ev.baseTerm,
              evidence_peak_row: Math.floor(peak / ev.cols),
              evidence_peak_col: peak % ev.cols,
            }
          : {}),
      },
    });

    if (input.oodd) steps.push(domainStep(input.oodd));

    const neighbors: Neighbor[] = this.index
      ? this.index.search(input.pooled, input.neighbors ?? DEFAULT_NEIGHBORS).map((h) => ({
          image_query_id: h.imageQueryId,
          label: name(h.classIndex),
          similarity: h.similarity,
        }))
      : [];
    return {
      steps,
      evidence: ev ? { rows: ev.rows, cols: ev.cols, values: ev.values, label: name(best) } : null,
      neighbors,
    };
  }
}

export function domainStep(o: OoddReading): ExplanationStep {
  const inDomain = o.inDomainProbability >= 0.5;
  const dist = Number.isFinite(o.distance) ? o.distance : null;
  const where =
    dist === null
      ? ''
      : ` at distance ${dist.toFixed(2)} from the nearest training cluster` +
        (o.tau !== null ? ` (the in-domain limit is ${o.tau.toFixed(2)})` : '');
  return {
    kind: 'domain',
    text: inDomain
      ? `The image looks like the detector's training images${where}: in-domain probability ${pct(o.inDomainProbability)}.`
      : `The image is unlike the detector's training images${where}: in-domain probability ${pct(o.inDomainProbability)}, so the model's confidence counts for less.`,
    data: { in_domain_probability: o.inDomainProbability, distance: dist, tau: o.tau, in_domain: inDomain },
  };
}
