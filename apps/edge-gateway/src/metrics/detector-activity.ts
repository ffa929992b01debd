/**
 * Per-detector activity for the edge GraphQL subgraph, read from the Prometheus counters the request path
 * already keeps (one source of truth; nothing extra is counted on the hot path).
 */
import type { EdgeMetrics } from './metrics';

export interface DetectorActivity {
  imageQueries: number;
  escalations: number;
  /** Mean answer latency of this edge (all detectors), null before the first answer. */
  meanLatencyMs: number | null;
}

type CounterLike = {
  get: () => Promise<{ values: { labels: Record<string, unknown>; value: number }[] }>;
};

export class DetectorActivityReader {
  constructor(
    private readonly metrics: Pick<EdgeMetrics, 'imageQueries' | 'escalations' | 'answerLatency'>,
  ) {}

  async of(detectorId: string): Promise<DetectorActivity> {
    const latency = (await this.metrics.answerLatency.get()).values;
    const total = (suffix: string) =>
      latency.filter((v) => String(v.metricName).endsWith(suffix)).reduce((a, v) => a + v.value, 0);
    const sum = total('_sum');
    const n = total('_count');
    return {
      imageQueries: await countFor(this.metrics.imageQueries, detectorId),
      escalations: await countFor(this.metrics.escalations, detectorId),
      meanLatencyMs: n > 0 ? (sum / n) * 1000 : null,
    };
  }
}

async function countFor(counter: CounterLike, detectorId: string): Promise<number> {
  return (await counter.get()).values
    .filter((v) => v.labels.detector_id === detectorId)
    .reduce((a, v) => a + v.value, 0);
}
