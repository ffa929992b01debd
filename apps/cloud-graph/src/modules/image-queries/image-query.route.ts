import {
  IntelliOpticsError,
  MAX_EXPLANATION_BYTES,
  assertImageContentType,
  isMultipart,
  parseSubmitImageQuery,
  readEscalationBody,
  type Explanation,
} from '@intellioptics/schema';
import { ROLES } from '../../auth/principal';
import { assertNoNul } from '../../http/nul';
import { pageParams, paginated, type RestRouter } from '../../http/rest';
import { currentExplanation } from './explanation';
import { toRestImageQuery } from './image-query.mapper';
import type { ImageQueryService } from './image-query.service';
import { toLabelValue, type LabelService } from './label.service';

/** Room for the explanation part and the multipart framing of an edge's escalation, beyond the image. */
const MAX_EXPLANATION_OVERHEAD = MAX_EXPLANATION_BYTES + 4096;

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
      let contentType = req.raw.headers['content-type'];
      // An edge's escalation may carry its explanation beside the image (libs/schema escalation-body.ts).
      const multipart = isMultipart(contentType);
      if (!multipart) assertImageContentType(contentType); // before reading a body that will be refused anyway
      let body = await req.body(multipart ? maxImageBytes + MAX_EXPLANATION_OVERHEAD : maxImageBytes);
      let explanation: Explanation | null = null;
      if (multipart) {
        const parts = readEscalationBody(body, contentType!);
        if (parts.image.byteLength > maxImageBytes)
          throw new IntelliOpticsError(
            'PAYLOAD_TOO_LARGE',
            `The image is larger than ${maxImageBytes} bytes.`,
          );
        ({ explanation } = parts);
        body = parts.image;
        contentType = parts.imageType;
        assertImageContentType(contentType);
      }
      const command = parseSubmitImageQuery({ query: req.query, contentType, body });
      assertNoNul(command.metadata, 'Query parameter metadata');
      const { iq, created } = await imageQueries.submit(principal, command, { explanation });
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
    '/image-queries/:id/explanation',
    async (req) => {
      const who = await req.auth(ROLES.any);
      const explanation = currentExplanation(await imageQueries.get(req.params.id!, who));
      if (!explanation) {
        throw new IntelliOpticsError(
          'NOT_FOUND',
          `Image query ${req.params.id!} was stored before explanations; it has none.`,
        );
      }
      return { status: 200, json: explanation };
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
