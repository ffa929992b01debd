/**
 * Greedy CTC decoding of the recogniser's per-step class probabilities: take the best class per step, merge
 * repeats, drop blanks. Each kept character carries the probability of its step, which is what the text
 * confidence is computed from.
 *
 * Word spaces: PP-OCRv4's recogniser often lets the blank win the steps between two words of an all-caps
 * label, but the space class still rises there (0.08–0.45 on the rendered labels of the tests, ≤ 0.01 inside
 * words). A run of blanks between two characters whose space probability reaches SPACE_HINT is read as a
 * space. Such a space adds no probability to `charProbabilities` (the confidence is about the characters).
 */
export interface DecodedText {
  text: string;
  /** The probability of each kept character (spaces read from a hint excepted). */
  charProbabilities: number[];
}

/** The space-class probability in a blank run that makes it a word space (see above). */
export const SPACE_HINT = 0.05;

/** `probs` is [steps, classes]; class 0 is the blank, class k ≥ 1 is `dictionary[k − 1]`, the last a space. */
export function ctcGreedyDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  dictionary: readonly string[],
): DecodedText {
  const space = dictionary.length + 1;
  let text = '';
  const charProbabilities: number[] = [];
  let prev = -1;
  let spaceHint = 0;
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
    if (best === 0 && space < classes) spaceHint = Math.max(spaceHint, probs[base + space]!);
    if (best !== 0 && best !== prev) {
      if (best !== space && spaceHint >= SPACE_HINT && text !== '' && !text.endsWith(' ')) text += ' ';
      text += best === space ? ' ' : (dictionary[best - 1] ?? '');
      charProbabilities.push(bestP);
    }
    if (best !== 0) spaceHint = 0;
    prev = best;
  }
  return { text, charProbabilities };
}
