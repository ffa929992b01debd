import { ROLES } from '../../auth/principal';
import { readFormBody } from '../../http/form-body';
import type { RestRouter } from '../../http/rest';
import { toRestDetectorGroup, type DetectorGroupService } from './detector-group.service';

/** Everyone with a token lists groups (an unpaginated array, as the reference); admins create them. */
export function detectorGroupRoutes(
  router: RestRouter,
  groups: DetectorGroupService,
  prefixes: readonly string[],
): void {
  router.add(
    'GET',
    '/detector-groups',
    async (req) => {
      await req.auth(ROLES.any);
      return { status: 200, json: (await groups.list()).map(toRestDetectorGroup) };
    },
    prefixes,
  );
  router.add(
    'POST',
    '/detector-groups',
    async (req) => {
      await req.auth(ROLES.admin);
      const { fields } = await readFormBody(req);
      return { status: 201, json: toRestDetectorGroup(await groups.create(fields)) };
    },
    prefixes,
  );
}
