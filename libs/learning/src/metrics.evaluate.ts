/**
 * Held-out metrics of a primary (+ OODD) model, from its predictions. Pure: the caller produces the
 * probabilities (in float64 from the fitted parameters, or through the ONNX heads of a published package), so
 * the current version and a candidate are measured by the same code on the same images.
 */
import { adjustConfidenceForDomain } from '@intellioptics/decision';
import { expectedCalibrationError } from '@intellioptics/vision';

export interface Prediction {
  /** Class probabilities, in the layout's order. */
  probabilities: readonly number[];
  /** OODD in-domain probability, or null without an OODD model. */
  inDomain: number | null;
}

export interface HeldOutEvaluation {
  /** Held-out image ids, in the order of `correct`. */
  exampleIds: string[];
  classNames: string[];
  n: number;
  accuracy: number;
  /** Recall per class name; NaN-free: classes absent from the held-out set are left out. */
  perClassRecall: Record<string, number>;
  /** Top-class confidence, 10 equal-width bins. */
  ece: number;
  /** Mean negative log-likelihood of the true class (clamped at 1e-12). */
  nll: number;
  threshold: number;
  /** Share of held-out queries whose OODD-adjusted confidence is below the threshold. */
  escalationRate: number;
  /** Accuracy of the answers at or above the threshold (NaN when none is). */
  edgeAccuracy: number;
  edgeAnswered: number;
  /** Per example: the top class is the label. */
  correct: boolean[];
}

/**
 * The OODD-adjusted confidence of a held-out answer: libs/decision's adjustment, the one the edge decides on.
 * Learning trains classification heads only (classLayout refuses BOUNDING_BOX and TEXT), whose chance level
 * is 1/C in every mode, so the mode passed is the generic classification one.
 */
export function adjustedConfidence(confidence: number, inDomain: number | null, numClasses: number): number {
  return adjustConfidenceForDomain({
    confidence,
    inDomainProbability: inDomain,
    mode: 'MULTI_CLASS',
    numClasses,
  });
}

export function argmax(p: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}

export function evaluatePredictions(args: {
  exampleIds: readonly string[];
  labels: readonly number[];
  predictions: readonly Prediction[];
  classNames: readonly string[];
  threshold: number;
}): HeldOutEvaluation {
  const { labels, predictions, classNames, threshold } = args;
  const n = labels.length;
  if (predictions.length !== n || args.exampleIds.length !== n)
    throw new RangeError('labels, predictions and ids must be aligned');
  const c = classNames.length;
  const correct: boolean[] = [];
  const hits = new Array<number>(c).fill(0);
  const counts = new Array<number>(c).fill(0);
  let nll = 0;
  let answered = 0;
  let answeredRight = 0;
  predictions.forEach((p, i) => {
    if (p.probabilities.length !== c)
      throw new RangeError(`prediction ${i} has ${p.probabilities.length} classes`);
    const y = labels[i]!;
    const top = argmax(p.probabilities);
    const ok = top === y;
    correct.push(ok);
    counts[y]!++;
    if (ok) hits[y]!++;
    nll -= Math.log(Math.max(p.probabilities[y]!, 1e-12));
    if (adjustedConfidence(p.probabilities[top]!, p.inDomain, c) >= threshold) {
      answered++;
      if (ok) answeredRight++;
    }
  });
  const perClassRecall: Record<string, number> = {};
  classNames.forEach((name, k) => {
    if (counts[k]! > 0) perClassRecall[name] = hits[k]! / counts[k]!;
  });
  return {
    exampleIds: [...args.exampleIds],
    classNames: [...classNames],
    n,
    accuracy: n > 0 ? correct.filter(Boolean).length / n : NaN,
    perClassRecall,
    ece:
      n > 0
        ? expectedCalibrationError(
            predictions.map((p) => [...p.probabilities]),
            labels,
          )
        : NaN,
    nll: n > 0 ? nll / n : NaN,
    threshold,
    escalationRate: n > 0 ? 1 - answered / n : NaN,
    edgeAccuracy: answered > 0 ? answeredRight / answered : NaN,
    edgeAnswered: answered,
    correct,
  };
}

/**
 * Area under the ROC curve for "positive scores higher than negative ones" (ties count ½), by ranks:
 * O((n+m) log(n+m)).
 */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  const n = positives.length;
  const m = negatives.length;
  if (n === 0 || m === 0) return NaN;
  const all = [
    ...positives.map((s) => ({ s, pos: true })),
    ...negatives.map((s) => ({ s, pos: false })),
  ].sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1 … j
    for (let k = i; k < j; k++) if (all[k]!.pos) rankSumPos += avgRank;
    i = j;
  }
  return (rankSumPos - (n * (n + 1)) / 2) / (n * m);
}

/** A held-out evaluation's answer figures as metric entries (predictor_metadata.json `metrics` names). */
export function evaluationMetrics(e: HeldOutEvaluation): Record<string, number> {
  return {
    accuracy: e.accuracy,
    ece: e.ece,
    nll: e.nll,
    threshold: e.threshold,
    escalation_rate: e.escalationRate,
    edge_accuracy: e.edgeAccuracy,
    edge_answered: e.edgeAnswered,
  };
}

/** Per-class recall as `recall.<class name>` metric entries. */
export function recallMetrics(e: HeldOutEvaluation): Record<string, number> {
  return Object.fromEntries(Object.entries(e.perClassRecall).map(([k, v]) => [`recall.${k}`, v]));
}

/** Flat numeric metrics for predictor_metadata.json (no NaN: undefined values are left out). */
export function metricsRecord(entries: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && Number.isFinite(v)) out[k] = v;
  return out;
}
