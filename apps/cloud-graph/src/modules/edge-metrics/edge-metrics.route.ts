import { ROLES } from '../../auth/principal';
import type { RestRouter } from '../../http/rest';
import type { EdgeMetricsService } from './edge-metrics.service';

const REPORT_LIMIT = 256 * 1024;

/** Edges (hub tokens) and admins report; the answer is the reference's empty 200. */
export function edgeMetricsRoutes(
  router: RestRouter,
  edgeMetrics: EdgeMetricsService,
  prefixes: readonly string[],
): void {
  router.add(
    'POST',
    '/edge/report-metrics',
    async (req) => {
      const who = await req.auth(ROLES.submitters);
      await edgeMetrics.record(who.id, await req.json(REPORT_LIMIT));
      return { status: 200, body: Buffer.alloc(0), contentType: 'application/json' };
    },
    prefixes,
  );
}
