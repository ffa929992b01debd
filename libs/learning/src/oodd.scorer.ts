/**
 * Fast OODD scoring in float64 with the same math as the ONNX head: the low-rank term ‖G(x − μ_k)‖² is
 * computed as ‖Gx − Gμ_k‖² with Gμ_k precomputed, so an image costs one rank×D product instead of one per
 * mean (vision's `mahalanobisDistance` recomputes it for every mean).
 */
import type { MahalanobisOodd } from '@intellioptics/vision';

export interface OoddScore {
  distance: number;
  inDomain: number;
}

export function mahalanobisScorer(m: MahalanobisOodd): (f: Float32Array) => OoddScore {
  const { dim: d, rank: r, numMeans: k } = m;
  const gMeans = new Float64Array(k * r);
  for (let c = 0; c < k; c++)
    for (let i = 0; i < r; i++) {
      let s = 0;
      const po = i * d;
      const mo = c * d;
      for (let j = 0; j < d; j++) s += m.projection[po + j]! * m.means[mo + j]!;
      gMeans[c * r + i] = s;
    }
  const z = new Float64Array(r);
  return (f) => {
    for (let i = 0; i < r; i++) {
      let s = 0;
      const po = i * d;
      for (let j = 0; j < d; j++) s += m.projection[po + j]! * f[j]!;
      z[i] = s;
    }
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      let iso = 0;
      const mo = c * d;
      for (let j = 0; j < d; j++) {
        const y = f[j]! - m.means[mo + j]!;
        iso += y * y;
      }
      let proj = 0;
      for (let i = 0; i < r; i++) {
        const y = z[i]! - gMeans[c * r + i]!;
        proj += y * y;
      }
      best = Math.min(best, m.isoScale * iso - proj);
    }
    const distance = Math.sqrt(Math.max(0, best));
    return { distance, inDomain: 1 / (1 + Math.exp(-(m.tau - distance) / m.slope)) };
  };
}
