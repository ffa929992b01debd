/** Pure helpers for the small SVG charts: series from JSON metrics, scales, and path strings. */

export interface SeriesPoint {
  x: number;
  y: number;
}

const ACCURACY_KEYS = ['held_out_accuracy', 'accuracy', 'val_accuracy', 'balanced_accuracy'];
const ESCALATION_KEYS = ['escalation_rate', 'held_out_escalation_rate', 'expected_escalation_rate'];

/** The first numeric value among `keys` in a metrics object. */
export function metric(metrics: unknown, keys: readonly string[]): number | null {
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return null;
  const m = metrics as Record<string, unknown>;
  for (const k of keys) {
    const v = m[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

export const accuracyOf = (metrics: unknown): number | null => metric(metrics, ACCURACY_KEYS);
export const escalationRateOf = (metrics: unknown): number | null => metric(metrics, ESCALATION_KEYS);

/** Numeric entries of a metrics object, for the versions table. */
export function numericMetrics(metrics: unknown): [string, number][] {
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return [];
  return Object.entries(metrics as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Maps `[d0, d1]` onto `[r0, r1]`; a degenerate domain maps to the middle of the range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/** An SVG path through the points (skipping none; callers filter nulls first). */
export function linePath(
  points: readonly SeriesPoint[],
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(sx(p.x))},${round(sy(p.y))}`).join(' ');
}

/** The extent of the values, padded so a flat line is not drawn on the border. */
export function extent(values: readonly number[], floor?: number, ceil?: number): [number, number] {
  if (values.length === 0) return [floor ?? 0, ceil ?? 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  if (floor !== undefined) lo = Math.max(floor, lo);
  if (ceil !== undefined) hi = Math.min(ceil, hi);
  return [lo, hi];
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
