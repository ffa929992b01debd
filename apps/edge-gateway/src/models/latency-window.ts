/**
 * The edge's answer latency since the previous heartbeat, read off the cumulative `edge_answer_latency_seconds`
 * histogram: each heartbeat diffs the buckets against the last snapshot, so the cloud's fleet chart gets one
 * honest point per interval (p50/p95 interpolated within buckets, as Prometheus' histogram_quantile does).
 */

export interface HistogramSnapshot {
  /** Upper bound (seconds) → cumulative count, summed over every label set; +Inf included. */
  buckets: Map<number, number>;
  count: number;
  sum: number;
}

export interface LatencyReport {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

interface HistogramValue {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
}

/** prom-client's `histogram.get()` values → one snapshot over every label set. */
export function snapshotOf(values: readonly HistogramValue[]): HistogramSnapshot {
  const snap: HistogramSnapshot = { buckets: new Map(), count: 0, sum: 0 };
  for (const v of values) {
    if (v.metricName?.endsWith('_bucket')) {
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      snap.buckets.set(le, (snap.buckets.get(le) ?? 0) + v.value);
    } else if (v.metricName?.endsWith('_count')) snap.count += v.value;
    else if (v.metricName?.endsWith('_sum')) snap.sum += v.value;
  }
  return snap;
}

/** The interval between two snapshots (a counter reset, e.g. a restart, restarts the window at `now`). */
export function latencyBetween(prev: HistogramSnapshot | null, now: HistogramSnapshot): LatencyReport {
  const reset = prev !== null && now.count < prev.count;
  const base = prev && !reset ? prev : null;
  const count = now.count - (base?.count ?? 0);
  if (count <= 0) return { count: 0, meanMs: null, p50Ms: null, p95Ms: null };
  const sum = now.sum - (base?.sum ?? 0);
  const bounds = [...now.buckets.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((le) => now.buckets.get(le)! - (base?.buckets.get(le) ?? 0));
  const quantile = (q: number): number => {
    const rank = q * count;
    for (let i = 0; i < bounds.length; i++) {
      if (cumulative[i]! >= rank) {
        const upper = bounds[i]!;
        const lower = i === 0 ? 0 : bounds[i - 1]!;
        // Beyond the last finite bucket there is no upper bound: answer that bucket's lower bound.
        if (!Number.isFinite(upper)) return lower;
        const below = i === 0 ? 0 : cumulative[i - 1]!;
        const inBucket = cumulative[i]! - below;
        return inBucket <= 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
      }
    }
    return bounds.filter(Number.isFinite).at(-1) ?? 0;
  };
  const ms = (s: number) => Math.round(s * 1e6) / 1e3;
  return { count, meanMs: ms(Math.max(0, sum) / count), p50Ms: ms(quantile(0.5)), p95Ms: ms(quantile(0.95)) };
}
