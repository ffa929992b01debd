import { ROLES } from '../../auth/principal';
import type { RestRouter } from '../../http/rest';
import { toRestDetector } from '../detectors/detector.mapper';
import type { CompoundDetectorService } from './compound-detector.service';

/** `POST /compound-detectors` `{"name", "query", "rule"}` → the Detector (mode BINARY, with its rule); admins. */
export function compoundDetectorRoutes(
  router: RestRouter,
  compounds: CompoundDetectorService,
  prefixes: readonly string[],
): void {
  router.add(
    'POST',
    '/compound-detectors',
    async (req) => {
      const who = await req.auth(ROLES.admin);
      return { status: 201, json: toRestDetector(await compounds.create(await req.json(), who)) };
    },
    prefixes,
  );
}
