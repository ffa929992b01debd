/**
 * Learn-then-Test (Angelopoulos, Bates et al. 2021) for the escalation policy's operating point: keep an answer
 * at the edge when its predicted risk is ≤ λ, and certify λ only if an upper confidence bound on the error of
 * the kept answers is ≤ the target r*. The λ grid comes from data the calibration set did not see (the risk
 * scores of the fitting split), and is tested in a fixed sequence from the most cautious λ upward, stopping at
 * the first that fails: each test at level δ, the family-wise error is ≤ δ, so with probability ≥ 1 − δ the
 * chosen λ's kept-answer error is ≤ r* (for queries exchangeable with the calibration stream).
 *
 * Labels are not missing at random: every answer below the confidence threshold was escalated (labelled with
 * probability 1), confident answers only when audited (probability `confident_audit_rate`). The bound is
 * therefore stratified by labelling probability: in each stratum a Clopper–Pearson upper bound on the error of
 * the kept, labelled answers (δ split evenly over the strata), combined with the stratum's estimated share of
 * the kept answers (labelled count / P(labelled), i.e. importance weights).
 */

export interface CalibrationPoint {
  risk: number;
  wrong: boolean;
  /** P(labelled) of this answer when it was collected (1 = escalated, else the audit rate). */
  labelledProbability: number;
}

/** log of the binomial P(X ≤ k) for X ~ Bin(n, p). */
function logBinomCdf(k: number, n: number, p: number): number {
  if (k >= n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return -Infinity;
  let logTerm = n * Math.log1p(-p); // P(X = 0)
  let acc = logTerm;
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
    const hi = Math.max(acc, logTerm);
    acc = hi + Math.log(Math.exp(acc - hi) + Math.exp(logTerm - hi));
  }
  return acc;
}

/** Clopper–Pearson one-sided upper bound: the p at which P(X ≤ errors) = δ. 1 when n = 0. */
export function clopperPearsonUpper(errors: number, n: number, delta: number): number {
  if (n === 0) return 1;
  if (errors >= n) return 1;
  let lo = errors / n;
  let hi = 1;
  const target = Math.log(delta);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (logBinomCdf(errors, n, mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Upper confidence bound (level δ) on the kept-answer error when keeping risk ≤ λ. */
export function keptErrorUpperBound(points: readonly CalibrationPoint[], lambda: number, delta: number) {
  const strata = new Map<number, { n: number; errors: number }>();
  for (const p of points) {
    if (!strata.has(p.labelledProbability)) strata.set(p.labelledProbability, { n: 0, errors: 0 });
    if (p.risk > lambda) continue;
    const s = strata.get(p.labelledProbability)!;
    s.n++;
    if (p.wrong) s.errors++;
  }
  const perStratum = delta / Math.max(1, strata.size);
  let kept = 0;
  let errorsUpper = 0;
  let errorsPoint = 0;
  for (const [prob, s] of strata) {
    const population = s.n / prob;
    kept += population;
    errorsUpper += clopperPearsonUpper(s.errors, s.n, perStratum) * population;
    errorsPoint += s.errors / prob;
  }
  return {
    keptShare: kept / points.reduce((a, p) => a + 1 / p.labelledProbability, 0),
    upper: kept > 0 ? errorsUpper / kept : 0,
    point: kept > 0 ? errorsPoint / kept : 0,
  };
}

export interface RiskControlResult {
  /** The certified λ (keep risk ≤ λ), or null when not even the first grid point passes. */
  lambda: number | null;
  upper: number;
  point: number;
  keptShare: number;
  tested: number;
}

/** `grid`: candidate λ, tested in the given order (most cautious first); the last that passes wins. */
export function learnThenTest(
  points: readonly CalibrationPoint[],
  grid: readonly number[],
  targetRisk: number,
  delta: number,
): RiskControlResult {
  let best: RiskControlResult = { lambda: null, upper: NaN, point: NaN, keptShare: 0, tested: 0 };
  let tested = 0;
  for (const lambda of grid) {
    tested++;
    const b = keptErrorUpperBound(points, lambda, delta);
    if (b.upper > targetRisk) break;
    best = { lambda, upper: b.upper, point: b.point, keptShare: b.keptShare, tested };
  }
  return { ...best, tested };
}

/**
 * Conformal risk control (Angelopoulos, Bates, Fisch, Lei, Schuster 2022) for the escalation policy's operating
 * point, with importance weights. The loss of one query at λ is 1{kept at the edge (risk ≤ λ) and wrong}:
 * non-decreasing in λ and bounded by B = 1, so λ̂ = the largest grid λ with
 *     (Σ wᵢ Lᵢ(λ) + w_test · B) / (Σ wᵢ + w_test) ≤ α
 * has E[L_test(λ̂)] ≤ α for a query exchangeable with the (re-weighted) calibration stream. wᵢ = 1/P(labelled)
 * (escalations 1, audits 1/audit rate); w_test = the mean weight, as in the weighted conformal quantile.
 * α is the threshold policy's joint rate P(kept ∧ wrong) estimated on data the calibration did not see, so
 * the policy answers at most as many queries wrongly at the edge, in expectation, as the threshold policy;
 * with coverage at least the threshold's that is a kept-answer error at most r*.
 * The guarantee is in expectation over calibration sets, weaker than Learn-then-Test's (1 − δ) bound, which
 * needs far more audited errors than a detector's history holds to certify an error as small as r*.
 */
export interface ConformalRiskControlResult {
  lambda: number | null;
  /** The adjusted (finite-sample corrected) joint risk at λ̂. */
  adjusted: number;
  /** Importance-weighted estimates on the calibration points at λ̂. */
  jointRisk: number;
  keptShare: number;
  keptError: number;
  tested: number;
}

export function conformalRiskControl(
  points: readonly CalibrationPoint[],
  grid: readonly number[],
  targetJointRisk: number,
): ConformalRiskControlResult {
  const weights = points.map((p) => 1 / p.labelledProbability);
  const total = weights.reduce((a, w) => a + w, 0);
  const testWeight = points.length > 0 ? total / points.length : 1;
  const sorted = [...new Set(grid)].sort((a, b) => a - b);
  let best: ConformalRiskControlResult = {
    lambda: null,
    adjusted: NaN,
    jointRisk: NaN,
    keptShare: 0,
    keptError: NaN,
    tested: 0,
  };
  let tested = 0;
  for (const lambda of sorted) {
    tested++;
    let lossW = 0;
    let keptW = 0;
    points.forEach((p, i) => {
      if (p.risk > lambda) return;
      keptW += weights[i]!;
      if (p.wrong) lossW += weights[i]!;
    });
    const adjusted = (lossW + testWeight) / (total + testWeight);
    // Monotone loss: once the adjusted risk exceeds α every larger λ does too.
    if (adjusted > targetJointRisk) break;
    best = {
      lambda,
      adjusted,
      jointRisk: total > 0 ? lossW / total : 0,
      keptShare: total > 0 ? keptW / total : 0,
      keptError: keptW > 0 ? lossW / keptW : 0,
      tested,
    };
  }
  return { ...best, tested };
}
