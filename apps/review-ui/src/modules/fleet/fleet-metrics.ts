/**
 * Fleet numbers from hub heartbeats. A heartbeat carries cumulative counters (name → number); the rate over
 * an interval is the difference of two heartbeats. The edge-gateway sends its Prometheus totals
 * (`edge_image_queries_total`, `edge_escalations_total`, …); other names are accepted for other edges.
 */

export type Counters = Record<string, number>;

const IQ_KEYS = [
  'edge_image_queries_total',
  'image_queries_total',
  'image_queries',
  'requests_total',
  'requests',
];
const ESC_KEYS = ['edge_escalations_total', 'escalations_total', 'escalations', 'escalated_total'];
const LATENCY_KEYS = [
  'latency_ms_p50',
  'latency_p50_ms',
  'inference_latency_ms',
  'latency_ms',
  'avg_latency_ms',
];

export function asCounters(v: unknown): Counters {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    ),
  );
}

function pick(c: Counters, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = c[k];
    if (v !== undefined) return v;
  }
  return null;
}

/** Share of image queries escalated, over the lifetime counters. */
export function escalationRate(c: Counters): number | null {
  const iqs = pick(c, IQ_KEYS);
  const esc = pick(c, ESC_KEYS);
  if (iqs === null || esc === null || iqs <= 0) return null;
  return Math.min(1, Math.max(0, esc / iqs));
}

export function latencyMs(c: Counters): number | null {
  return pick(c, LATENCY_KEYS);
}

export interface Sample {
  at: number;
  counters: Counters;
}

export interface RatePoint {
  at: number;
  escalationRate: number | null;
  latencyMs: number | null;
}

/**
 * Points per heartbeat: the escalation rate between consecutive heartbeats (lifetime rate for the first,
 * or after a counter reset), and the reported latency.
 */
export function ratePoints(samples: readonly Sample[]): RatePoint[] {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  return sorted.map((s, i) => {
    const prev = sorted[i - 1];
    let rate = escalationRate(s.counters);
    if (prev) {
      const dIq = (pick(s.counters, IQ_KEYS) ?? 0) - (pick(prev.counters, IQ_KEYS) ?? 0);
      const dEsc = (pick(s.counters, ESC_KEYS) ?? 0) - (pick(prev.counters, ESC_KEYS) ?? 0);
      if (dIq > 0 && dEsc >= 0) rate = Math.min(1, dEsc / dIq);
      else if (dIq === 0 && dEsc === 0) rate = prev === undefined ? rate : null;
    }
    return { at: s.at, escalationRate: rate, latencyMs: latencyMs(s.counters) };
  });
}

/** Appends a heartbeat to a hub's history, dropping duplicates and keeping the newest `max`. */
export function addSample(history: readonly Sample[], sample: Sample, max = 60): Sample[] {
  if (history.some((h) => h.at === sample.at)) return [...history];
  return [...history, sample].sort((a, b) => a.at - b.at).slice(-max);
}

/** A heartbeat interval's answer latency as the hub measured it (the cloud keeps these per hub). */
export interface LatencySample {
  at: string;
  count: number;
  p50Ms: number | null;
}

/**
 * Chart points from the hubs' latency samples, oldest first; intervals without answers carry no latency. Where
 * a hub sent none (an older edge), the latency its counters report is used.
 */
export function latencyPoints(
  samples: readonly LatencySample[],
  fallback: readonly RatePoint[],
): RatePoint[] {
  if (samples.length === 0) return [...fallback];
  return samples
    .map((s) => ({ at: Date.parse(s.at), escalationRate: null, latencyMs: s.count > 0 ? s.p50Ms : null }))
    .sort((a, b) => a.at - b.at);
}
