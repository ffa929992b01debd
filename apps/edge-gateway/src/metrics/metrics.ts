/**
 * Prometheus metrics (prom-client), one registry per server so tests can run several. Counters live in memory;
 * gauges that reflect other state (outbox depth) are read when scraped, never on the request path.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly imageQueries: Counter<'detector_id' | 'reason'>;
  readonly escalations: Counter<'detector_id' | 'kind'>;
  readonly audits: Counter<'detector_id'>;
  readonly belowThreshold: Counter<'detector_id'>;
  readonly answerLatency: Histogram<'answered_by'>;
  readonly outboxDelivered: Counter<'kind'>;
  readonly outboxFailed: Counter<'kind'>;
  readonly outboxRetries: Counter;
  readonly configReloadFailures: Counter;
  readonly modelInstalls: Counter<'detector_id' | 'kind'>;
  readonly modelInstallFailures: Counter<'detector_id'>;
  readonly httpErrors: Counter<'status'>;

  constructor(opts: { outboxDepth: () => number; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.imageQueries = new Counter({
      name: 'edge_image_queries_total',
      help: 'Image queries accepted, by detector and decision reason',
      labelNames: ['detector_id', 'reason'],
      registers,
    });
    this.escalations = new Counter({
      name: 'edge_escalations_total',
      help: 'Escalations created (sync, background, audit, async), by detector',
      labelNames: ['detector_id', 'kind'],
      registers,
    });
    this.audits = new Counter({
      name: 'edge_audits_total',
      help: 'Confident edge answers also sent to the cloud as invisible audits',
      labelNames: ['detector_id'],
      registers,
    });
    this.belowThreshold = new Counter({
      name: 'edge_below_threshold_total',
      help: 'Edge inferences whose adjusted confidence was below the threshold',
      labelNames: ['detector_id'],
      registers,
    });
    this.answerLatency = new Histogram({
      name: 'edge_answer_latency_seconds',
      help: 'Time from request start to the answer of POST /image-queries',
      labelNames: ['answered_by'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.outboxDelivered = new Counter({
      name: 'edge_outbox_delivered_total',
      help: 'Escalations delivered to the cloud by the outbox',
      labelNames: ['kind'],
      registers,
    });
    this.outboxFailed = new Counter({
      name: 'edge_outbox_failed_total',
      help: 'Escalations the cloud refused permanently (recorded as failed)',
      labelNames: ['kind'],
      registers,
    });
    this.outboxRetries = new Counter({
      name: 'edge_outbox_retries_total',
      help: 'Transient outbox send failures that will be retried',
      registers,
    });
    new Gauge({
      name: 'edge_outbox_depth',
      help: 'Escalations waiting in the outbox',
      registers,
      collect() {
        this.set(opts.outboxDepth());
      },
    });
    this.configReloadFailures = new Counter({
      name: 'edge_config_reload_failures_total',
      help: 'Reloads of edge-config.yaml that failed validation (the last good config stays active)',
      registers,
    });
    this.modelInstalls = new Counter({
      name: 'edge_model_installs_total',
      help: 'Model versions downloaded, verified and installed',
      labelNames: ['detector_id', 'kind'],
      registers,
    });
    this.modelInstallFailures = new Counter({
      name: 'edge_model_install_failures_total',
      help: 'Model downloads refused (sha256 mismatch, download error)',
      labelNames: ['detector_id'],
      registers,
    });
    this.httpErrors = new Counter({
      name: 'edge_http_errors_total',
      help: 'Error responses by status',
      labelNames: ['status'],
      registers,
    });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Total image queries per detector (for heartbeats). */
  async totals(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const m of [this.imageQueries, this.escalations, this.audits, this.belowThreshold]) {
      const data = await m.get();
      for (const v of data.values) out[data.name] = (out[data.name] ?? 0) + v.value;
    }
    return out;
  }
}
