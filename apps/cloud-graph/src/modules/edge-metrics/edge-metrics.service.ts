/** `POST /v1/edge/report-metrics`: what an edge reports is kept as sent, newest readable per reporter. */
import { newId } from '@intellioptics/schema';
import type { Orm } from '../../db/orm';
import { EdgeMetricReport, type EdgeMetricReportEntity } from './edge-metric-report.entity';

/** Reports kept per reporter; older ones are pruned as new ones arrive (a report every minute: a week). */
export const MAX_REPORTS_PER_REPORTER = 10_080;

export class EdgeMetricsService {
  constructor(private readonly orm: Orm) {}

  async record(reportedBy: string, body: unknown): Promise<EdgeMetricReportEntity> {
    const em = this.orm.em.fork();
    const report = em.create(EdgeMetricReport, { id: newId('edgeMetricReport'), reportedBy, body });
    await em.flush();
    await em.getConnection().execute(
      `delete from "edge_metric_reports" where "reported_by" = ? and "id" not in (
         select "id" from "edge_metric_reports" where "reported_by" = ? order by "received_at" desc, "id" desc limit ?)`,
      [reportedBy, reportedBy, MAX_REPORTS_PER_REPORTER],
    );
    return report;
  }

  /** The newest reports of one reporter, newest first. */
  async latest(reportedBy: string, limit = 10): Promise<EdgeMetricReportEntity[]> {
    return this.orm.em
      .fork()
      .find(EdgeMetricReport, { reportedBy }, { orderBy: { receivedAt: 'desc', id: 'desc' }, limit });
  }
}
