import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server instance (its own registry, so two instances in a test do not clash). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'cloud_graph_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    imageQueries: new Counter({
      name: 'cloud_graph_image_queries_total',
      help: 'Image queries stored, by outcome (answered, escalated, pending)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    labels: new Counter({
      name: 'cloud_graph_labels_total',
      help: 'Human labels recorded',
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'cloud_graph_graphql_ws_connections',
      help: 'Open graphql-ws connections',
      registers: [registry],
    }),
    pubsubLocalFallbacks: new Counter({
      name: 'cloud_graph_pubsub_local_fallbacks_total',
      help: 'Events delivered to this replica only because Redis was unreachable',
      registers: [registry],
    }),
    sweeps: new Counter({
      name: 'cloud_graph_escalation_sweeps_total',
      help: 'Escalations changed by the sweeper, by transition',
      labelNames: ['transition'] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
