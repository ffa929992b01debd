import { ROLES, assertCanSeeDetector } from '../../auth/principal';
import type { RestRouter } from '../../http/rest';
import type { ModelVersionService } from './model-version.service';

/** `EdgeModelInfo` at the edge's path and at the SDK's `download_mlbinary` path. */
export function modelUrlRoutes(router: RestRouter, models: ModelVersionService): void {
  const handler = async (req: Parameters<Parameters<RestRouter['add']>[2]>[0]) => {
    assertCanSeeDetector(await req.auth(ROLES.submitters), req.params.detectorId!);
    return { status: 200, json: await models.edgeModelInfo(req.params.detectorId!) };
  };
  router.add('GET', '/edge-api/v1/fetch-model-urls/:detectorId', handler);
  router.add('GET', '/device-api/v1/edge/fetch-model-urls/:detectorId', handler);
  router.add('GET', '/v1/edge/fetch-model-urls/:detectorId', handler);
}
