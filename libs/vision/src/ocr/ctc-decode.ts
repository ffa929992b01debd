/**
 * Greedy CTC decoding of the recogniser's per-step class probabilities: take the best class per step, merge
 * repeats, drop blanks. Each kept character carries the probability of its step, which is what the text
 * confidence is computed from.
 */
export interface DecodedText {
  text: string;
  /** The probability of each kept character. */
  charProbabilities: number[];
}

/** `probs` is [steps, classes]; class 0 is the blank, class k ≥ 1 is `dictionary[k − 1]`, the last a space. */
export function ctcGreedyDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  dictionary: readonly string[],
): DecodedText {
  let text = '';
  const charProbabilities: number[] = [];
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const base = t * classes;
    let best = 0;
    let bestP = probs[base]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[base + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += best === dictionary.length + 1 ? ' ' : (dictionary[best - 1] ?? '');
      charProbabilities.push(bestP);
    }
    prev = best;
  }
  return { text, charProbabilities };
}
