import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One `POST /v1/edge/report-metrics` body, kept as sent (the reference edge's shape is free-form JSON). */
export const EdgeMetricReport = defineEntity({
  name: 'EdgeMetricReport',
  tableName: 'edge_metric_reports',
  indexes: [{ properties: ['reportedBy', 'receivedAt'] }],
  properties: {
    id: p.string().primary(),
    /** `usr_…` or `hub_…` of the token that reported. */
    reportedBy: p.string().length(80),
    body: p.json<unknown>(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type EdgeMetricReportEntity = InferEntity<typeof EdgeMetricReport>;
