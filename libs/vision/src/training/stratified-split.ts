/** Deterministic stratified splits (seeded), so a retrain on the same labels gives the same split. */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export interface Split {
  train: number[];
  test: number[];
}

/**
 * Splits indices so each class keeps about `testFraction` of its examples in `test`; a class with ≥ 2
 * examples always has at least one on each side.
 */
export function stratifiedSplit(labels: readonly (number | string)[], testFraction: number, seed = 1): Split {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error('testFraction must be in (0,1)');
  const rng = mulberry32(seed);
  const byClass = new Map<number | string, number[]>();
  labels.forEach((y, i) => {
    const list = byClass.get(y) ?? [];
    list.push(i);
    byClass.set(y, list);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...byClass.keys()].sort()) {
    const idx = shuffleInPlace([...byClass.get(key)!], rng);
    let nTest = Math.round(idx.length * testFraction);
    if (idx.length >= 2) nTest = Math.min(Math.max(nTest, 1), idx.length - 1);
    else nTest = 0;
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** K stratified folds: every index appears in exactly one fold's `test`. */
export function stratifiedFolds(labels: readonly (number | string)[], k: number, seed = 1): Split[] {
  const rng = mulberry32(seed);
  const byClass = new Map<number | string, number[]>();
  labels.forEach((y, i) => byClass.set(y, [...(byClass.get(y) ?? []), i]));
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const key of [...byClass.keys()].sort()) {
    for (const i of shuffleInPlace([...byClass.get(key)!], rng)) {
      folds[next % k]!.push(i);
      next++;
    }
  }
  return folds.map((test) => {
    const inTest = new Set(test);
    return {
      train: labels.map((_, i) => i).filter((i) => !inTest.has(i)),
      test: [...test].sort((a, b) => a - b),
    };
  });
}
