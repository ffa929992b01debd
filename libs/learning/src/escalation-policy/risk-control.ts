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
