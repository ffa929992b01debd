import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Orm } from '../db/orm';

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
    escalationsCreated: new Counter({
      name: 'cloud_graph_escalations_created_total',
      help: 'Image queries sent to the review queue, by detector (escalation rate per detector)',
      labelNames: ['detector_id'] as const,
      registers: [registry],
    }),
    humanAnswers: new Counter({
      name: 'cloud_graph_human_answers_total',
      help: 'Escalations answered by a person, by detector (answer rate per detector)',
      labelNames: ['detector_id'] as const,
      registers: [registry],
    }),
    timeToHumanAnswer: new Histogram({
      name: 'cloud_graph_time_to_human_answer_seconds',
      help: 'From an escalation entering the review queue to the label that answered it, by detector',
      labelNames: ['detector_id'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    }),
    trainingJobs: new Counter({
      name: 'cloud_graph_training_jobs_total',
      help: 'Training jobs this process ran to the end, by outcome (PUBLISHED, REFUSED, FAILED, LEASE_LOST)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    trainingSeconds: new Histogram({
      name: 'cloud_graph_training_duration_seconds',
      help: 'Wall time of one training job in this process (claim to finish)',
      buckets: [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
  };
}

/**
 * Gauges read from PostgreSQL when scraped (shared by every replica, so dashboards take `max`, not `sum`):
 * the review queue by state and the training queue by state. A scrape while the database is down leaves the
 * last values and counts a failure instead of failing the whole scrape.
 */
export function registerQueueGauges(registry: Registry, orm: Orm): void {
  const failures = new Counter({
    name: 'cloud_graph_queue_gauge_failures_total',
    help: 'Scrapes whose queue gauges could not be read from the database',
    registers: [registry],
  });
  const byState = async (sql: string): Promise<Map<string, number> | null> => {
    try {
      const rows = await orm.em.fork().getConnection().execute<{ state: string; n: string }[]>(sql);
      return new Map(rows.map((r) => [r.state, Number(r.n)]));
    } catch {
      failures.inc();
      return null;
    }
  };
  new Gauge({
    name: 'cloud_graph_review_queue_depth',
    help: 'Escalations waiting for a person (QUEUED) or held by one (CLAIMED)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await byState(
        `select "state", count(*) as n from "escalations" where "state" in ('QUEUED', 'CLAIMED') group by 1`,
      );
      if (!counts) return;
      for (const state of ['QUEUED', 'CLAIMED']) this.set({ state }, counts.get(state) ?? 0);
    },
  });
  new Gauge({
    name: 'cloud_graph_training_queue_depth',
    help: 'Training jobs waiting (QUEUED) or being trained (RUNNING)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await byState(
        `select "state", count(*) as n from "training_jobs" where "state" in ('QUEUED', 'RUNNING') group by 1`,
      );
      if (!counts) return;
      for (const state of ['QUEUED', 'RUNNING']) this.set({ state }, counts.get(state) ?? 0);
    },
  });
}
export type Metrics = ReturnType<typeof createMetrics>;
