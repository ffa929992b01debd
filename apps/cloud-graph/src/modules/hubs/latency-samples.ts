/** The hub's latency series: one sample per heartbeat, bounded, validated here once for GraphQL and tests. */
import { MAX_LATENCY_SAMPLES, type LatencySample } from './hub.entity';

export interface LatencyReport {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** Why the report is unusable, or null when it is fine (counts are whole and ≥ 0; times finite and ≥ 0). */
export function latencyReportProblem(r: LatencyReport): string | null {
  if (!Number.isInteger(r.count) || r.count < 0) return 'latency.count must be a whole number ≥ 0';
  for (const [name, v] of [
    ['meanMs', r.meanMs],
    ['p50Ms', r.p50Ms],
    ['p95Ms', r.p95Ms],
  ] as const) {
    if (v !== null && (!Number.isFinite(v) || v < 0)) return `latency.${name} must be a finite number ≥ 0`;
    if (r.count === 0 && v !== null) return `latency.${name} must be null when count is 0`;
  }
  return null;
}

/** `samples` with the report appended at `at`, the oldest dropped beyond `max`. */
export function appendLatencySample(
  samples: readonly LatencySample[],
  report: LatencyReport,
  at: Date,
  max = MAX_LATENCY_SAMPLES,
): LatencySample[] {
  const next = [...samples, { at: at.toISOString(), ...report }];
  return next.slice(Math.max(0, next.length - max));
}
