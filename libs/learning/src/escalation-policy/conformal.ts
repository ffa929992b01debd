/**
 * Split-conformal prediction sets with importance weights (Tibshirani et al. 2019, weighted exchangeability):
 * the score of a labelled answer is 1 − p(true class); q̂ is the weighted (1 − α) quantile of the scores with
 * the test point's own weight at +∞, and the set of a new answer is {k : p_k ≥ 1 − q̂}. Weights 1/P(labelled)
 * make audited confident answers count for the unaudited ones they stand for.
 */
export function weightedConformalQuantile(
  scores: readonly number[],
  weights: readonly number[],
  alpha: number,
): number {
  if (scores.length === 0) return 1;
  const order = scores.map((s, i) => ({ s, w: weights[i]! })).sort((a, b) => a.s - b.s);
  const total = order.reduce((a, o) => a + o.w, 0);
  // The test point's weight: the mean weight (its labelling probability is unknown before it is decided).
  const testWeight = total / order.length;
  const need = (1 - alpha) * (total + testWeight);
  let acc = 0;
  for (const o of order) {
    acc += o.w;
    if (acc >= need) return o.s;
  }
  return 1;
}
