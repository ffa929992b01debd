import { ROLES, assertCanSeeDetector, visibleDetectorIds } from '../../auth/principal';
import { pageParams, paginated, type RestRouter } from '../../http/rest';
import { ruleIdParam, toRestRule, type AlertRuleService } from './alert-rule.service';

/**
 * Groundlight's actions API: `POST|GET /actions/detector/:id/rules`, `GET /actions/rules` (paginated),
 * `GET|PATCH|DELETE /actions/rules/:id`; writes as the detector writes (admins), reads for every role that
 * sees the detector (an edge hub fetches the rules of the detectors it serves). `POST /actions/alerts`: an
 * edge reports an alert it fired.
 */
export function alertRuleRoutes(
  router: RestRouter,
  rules: AlertRuleService,
  prefixes: readonly string[],
): void {
  router.add(
    'POST',
    '/actions/detector/:id/rules',
    async (req) => {
      await req.auth(ROLES.admin);
      return { status: 201, json: toRestRule(await rules.create(req.params.id!, await req.json())) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/actions/detector/:id/rules',
    async (req) => {
      assertCanSeeDetector(await req.auth(ROLES.any), req.params.id!);
      const items = await rules.forDetector(req.params.id!);
      return { status: 200, json: { count: items.length, results: items.map(toRestRule) } };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/actions/rules',
    async (req) => {
      const who = await req.auth(ROLES.any);
      const page = pageParams(req.query);
      const { items, count } = await rules.list({ ...page, detectorIds: visibleDetectorIds(who) });
      return { status: 200, json: paginated(req, page, count, items.map(toRestRule)) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/actions/rules/:id',
    async (req) => {
      const who = await req.auth(ROLES.any);
      const rule = await rules.get(ruleIdParam(req.params.id!));
      assertCanSeeDetector(who, rule.detector.id);
      return { status: 200, json: toRestRule(rule) };
    },
    prefixes,
  );
  router.add(
    'PATCH',
    '/actions/rules/:id',
    async (req) => {
      await req.auth(ROLES.admin);
      return {
        status: 200,
        json: toRestRule(await rules.update(ruleIdParam(req.params.id!), await req.json())),
      };
    },
    prefixes,
  );
  router.add(
    'DELETE',
    '/actions/rules/:id',
    async (req) => {
      await req.auth(ROLES.admin);
      await rules.delete(ruleIdParam(req.params.id!));
      return { status: 204 };
    },
    prefixes,
  );
  router.add(
    'POST',
    '/actions/alerts',
    async (req) => {
      const who = await req.auth(ROLES.submitters);
      const body = await req.json();
      const detectorId = (body as { detector_id?: unknown } | null)?.detector_id;
      if (typeof detectorId === 'string') assertCanSeeDetector(who, detectorId);
      const { created } = await rules.report(body, who.id);
      return { status: created ? 201 : 200, json: { created } };
    },
    prefixes,
  );
}
