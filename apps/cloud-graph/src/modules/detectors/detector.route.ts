import { ROLES, assertCanSeeDetector, visibleDetectorIds } from '../../auth/principal';
import { pageParams, paginated, type RestRouter } from '../../http/rest';
import { toRestDetector } from './detector.mapper';
import type { DetectorService } from './detector.service';
import type { DetectorStatsService } from './detector-stats.service';

export function detectorRoutes(
  router: RestRouter,
  detectors: DetectorService,
  stats: DetectorStatsService,
  prefixes: readonly string[],
): void {
  router.add(
    'GET',
    '/detectors',
    async (req) => {
      const who = await req.auth(ROLES.any);
      const page = pageParams(req.query);
      const name = req.query.get('name') ?? undefined;
      const { items, count } = await detectors.list({ ...page, name, ids: visibleDetectorIds(who) });
      return { status: 200, json: paginated(req, page, count, items.map(toRestDetector)) };
    },
    prefixes,
  );
  router.add(
    'POST',
    '/detectors',
    async (req) => {
      await req.auth(ROLES.admin);
      return { status: 201, json: toRestDetector(await detectors.create(await req.json())) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/detectors/:id',
    async (req) => {
      assertCanSeeDetector(await req.auth(ROLES.any), req.params.id!);
      return { status: 200, json: toRestDetector(await detectors.get(req.params.id!)) };
    },
    prefixes,
  );
  router.add(
    'PATCH',
    '/detectors/:id',
    async (req) => {
      await req.auth(ROLES.admin);
      return { status: 200, json: toRestDetector(await detectors.update(req.params.id!, await req.json())) };
    },
    prefixes,
  );
  router.add(
    'DELETE',
    '/detectors/:id',
    async (req) => {
      await req.auth(ROLES.admin);
      await detectors.delete(req.params.id!);
      return { status: 204 };
    },
    prefixes,
  );
  router.add(
    'DELETE',
    '/detector-reset/:id',
    async (req) => {
      await req.auth(ROLES.admin);
      await detectors.reset(req.params.id!);
      return { status: 204 };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/detectors/:id/metrics',
    async (req) => {
      assertCanSeeDetector(await req.auth(ROLES.any), req.params.id!);
      return { status: 200, json: await stats.metrics(req.params.id!) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/detectors/:id/evaluation',
    async (req) => {
      assertCanSeeDetector(await req.auth(ROLES.any), req.params.id!);
      return { status: 200, json: await stats.evaluation(req.params.id!) };
    },
    prefixes,
  );
}
