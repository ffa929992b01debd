import { IntelliOpticsError, assertImageContentType, parseSubmitImageQuery } from '@intellioptics/schema';
import { ROLES } from '../../auth/principal';
import { assertNoNul } from '../../http/nul';
import { pageParams, paginated, type RestRouter } from '../../http/rest';
import { toRestImageQuery } from './image-query.mapper';
import type { ImageQueryService } from './image-query.service';
import { toLabelValue, type LabelService } from './label.service';

export function imageQueryRoutes(
  router: RestRouter,
  imageQueries: ImageQueryService,
  labels: LabelService,
  prefixes: readonly string[],
  maxImageBytes: number,
): void {
  router.add(
    'POST',
    '/image-queries',
    async (req) => {
      const principal = await req.auth(ROLES.submitters);
      const contentType = req.raw.headers['content-type'];
      assertImageContentType(contentType); // before reading a body that will be refused anyway
      const body = await req.body(maxImageBytes);
      const command = parseSubmitImageQuery({ query: req.query, contentType, body });
      assertNoNul(command.metadata, 'Query parameter metadata');
      const { iq, created } = await imageQueries.submit(principal, command);
      return { status: created ? 201 : 200, json: toRestImageQuery(iq) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/image-queries',
    async (req) => {
      await req.auth(ROLES.people);
      const page = pageParams(req.query);
      const detectorId = req.query.get('detector_id') || undefined;
      const { items, count } = await imageQueries.list({ ...page, detectorId });
      return { status: 200, json: paginated(req, page, count, items.map(toRestImageQuery)) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/image-queries/:id',
    async (req) => {
      const who = await req.auth(ROLES.any);
      return { status: 200, json: toRestImageQuery(await imageQueries.get(req.params.id!, who)) };
    },
    prefixes,
  );
  router.add(
    'GET',
    '/image-queries/:id/image',
    async (req) => {
      const who = await req.auth(ROLES.any);
      const image = await imageQueries.image(req.params.id!, who);
      return { status: 200, body: image.data, contentType: image.contentType };
    },
    prefixes,
  );
  router.add(
    'POST',
    '/labels',
    async (req) => {
      const who = await req.auth(ROLES.people);
      const outcome = await labels.label(who, await req.json());
      if (!outcome.ok) throw new IntelliOpticsError(outcome.code, outcome.message);
      return { status: 201, json: toLabelValue(outcome.label, outcome.detector) };
    },
    prefixes,
  );
}
