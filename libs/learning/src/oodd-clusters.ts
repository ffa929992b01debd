/**
 * Sub-cluster labels for the OODD means: k-means (k-means++ seeding, seeded) inside each class, so a class
 * made of several looks (a "NO" class of shirts, bags and trousers) gets one mean per look instead of one
 * mean in between. Returned labels are arbitrary distinct integers; the OODD only uses them to group means.
 */
import { mulberry32 } from '@intellioptics/vision';

function sqDist(a: Float32Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const d = a[j]! - b[j]!;
    s += d * d;
  }
  return s;
}

export function kMeans(points: readonly Float32Array[], k: number, seed = 1, iterations = 15): number[] {
  const n = points.length;
  if (n === 0) return [];
  const kk = Math.max(1, Math.min(k, n));
  const d = points[0]!.length;
  const rng = mulberry32(seed);
  const centers: Float64Array[] = [Float64Array.from(points[Math.floor(rng() * n)]!)];
  const best = points.map((p) => sqDist(p, centers[0]!));
  while (centers.length < kk) {
    const total = best.reduce((a, v) => a + v, 0);
    let r = rng() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= best[i]!;
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    const center = Float64Array.from(points[pick]!);
    centers.push(center);
    points.forEach((p, i) => (best[i] = Math.min(best[i]!, sqDist(p, center))));
  }
  const assign = new Array<number>(n).fill(0);
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    points.forEach((p, i) => {
      let bi = 0;
      let bd = Infinity;
      centers.forEach((c, ci) => {
        const dd = sqDist(p, c);
        if (dd < bd) {
          bd = dd;
          bi = ci;
        }
      });
      if (assign[i] !== bi || it === 0) moved++;
      assign[i] = bi;
    });
    const sums = centers.map(() => new Float64Array(d));
    const counts = new Array<number>(centers.length).fill(0);
    points.forEach((p, i) => {
      const a = assign[i]!;
      counts[a]!++;
      const s = sums[a]!;
      for (let j = 0; j < d; j++) s[j]! += p[j]!;
    });
    centers.forEach((c, ci) => {
      if (counts[ci]! === 0) return;
      for (let j = 0; j < d; j++) c[j] = sums[ci]![j]! / counts[ci]!;
    });
    if (moved === 0) break;
  }
  return assign;
}

/**
 * Labels `class·perClass + cluster`. A class gets min(perClass, ⌊count/minPerCluster⌋) clusters (at least 1),
 * so small classes keep a single mean.
 */
export function subclusterLabels(
  features: readonly Float32Array[],
  labels: readonly number[],
  perClass: number,
  seed = 1,
  minPerCluster = 20,
): number[] {
  const out = new Array<number>(labels.length).fill(0);
  const byClass = new Map<number, number[]>();
  labels.forEach((y, i) => byClass.set(y, [...(byClass.get(y) ?? []), i]));
  for (const [y, idx] of byClass) {
    const k = Math.max(1, Math.min(perClass, Math.floor(idx.length / minPerCluster)));
    const assign =
      k === 1
        ? idx.map(() => 0)
        : kMeans(
            idx.map((i) => features[i]!),
            k,
            seed + y,
          );
    idx.forEach((i, j) => (out[i] = y * perClass + assign[j]!));
  }
  return out;
}
