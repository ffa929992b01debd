/**
 * The recursive head's reasoning chain (#15) in the explanation contract (libs/schema explanation.ts): one
 * `reasoning` step per refinement step run up to where it halted, each with that step's answer, confidence,
 * halting probability and its own evidence map (the step's mean attention over the 7×7 cells, which sums to 1),
 * and the halted step's map as the answer's evidence. Numbers only from the model's outputs.
 */
import type { EvidenceMap, ExplanationStep } from '@intellioptics/schema';
import type { RecursivePrediction } from './recursive-head.train';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

export function recursiveReasoning(
  prediction: RecursivePrediction,
  classNames: readonly string[],
  haltThreshold: number,
): { steps: ExplanationStep[]; evidence: EvidenceMap } {
  const name = (k: number): string => classNames[k] ?? String(k);
  const total = prediction.steps.length;
  const maps: EvidenceMap[] = [];
  const steps = prediction.steps.slice(0, prediction.haltedAt).map((s, i): ExplanationStep => {
    const p = s.probabilities;
    const best = p.reduce((b, v, k) => (v > p[b]! ? k : b), 0);
    const cells = s.attention.length;
    const side = Math.round(Math.sqrt(cells));
    const values = Array.from(s.attention);
    const peak = values.reduce((b, v, k, a) => (v > a[b]! ? k : b), 0);
    const map: EvidenceMap = { rows: side, cols: cells / side, values, label: name(best) };
    maps.push(map);
    const halted = i + 1 === prediction.haltedAt;
    const stop = halted
      ? s.haltProbability >= haltThreshold
        ? `; it halts here (halting probability ${pct(s.haltProbability)} ≥ ${pct(Math.min(1, haltThreshold))})`
        : `; the last step (halting probability ${pct(s.haltProbability)})`
      : `; it goes on (halting probability ${pct(s.haltProbability)} < ${pct(Math.min(1, haltThreshold))})`;
    return {
      kind: 'reasoning',
      text: `Refinement step ${i + 1} of ${total}: ${name(best)} at ${pct(p[best]!)}, attending most to row ${Math.floor(peak / map.cols) + 1}, column ${(peak % map.cols) + 1}${stop}.`,
      data: {
        step: i + 1,
        steps: total,
        label: name(best),
        confidence: p[best]!,
        halt_probability: s.haltProbability,
        halt_threshold: haltThreshold,
        halted,
        attention_peak_row: Math.floor(peak / map.cols),
        attention_peak_col: peak % map.cols,
      },
      evidence: map,
    };
  });
  return { steps, evidence: maps[maps.length - 1]! };
}
