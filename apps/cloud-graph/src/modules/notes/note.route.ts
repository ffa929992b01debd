import { IntelliOpticsError } from '@intellioptics/schema';
import { ROLES, assertCanSeeDetector } from '../../auth/principal';
import { formBoolean, readFormBody } from '../../http/form-body';
import type { RestRequest, RestRouter } from '../../http/rest';
import { toAllNotes, type NoteService } from './note.service';

function detectorIdParam(req: RestRequest): string {
  const id = req.query.get('detector_id');
  if (!id) throw new IntelliOpticsError('BAD_REQUEST', 'detector_id: required query parameter');
  return id;
}

/** `GET /v1/notes?detector_id=` (every role that sees the detector) and `POST` (people: admins and reviewers). */
export function noteRoutes(router: RestRouter, notes: NoteService, prefixes: readonly string[]): void {
  router.add(
    'GET',
    '/notes',
    async (req) => {
      const who = await req.auth(ROLES.any);
      const detectorId = detectorIdParam(req);
      assertCanSeeDetector(who, detectorId);
      return { status: 200, json: toAllNotes(await notes.forDetector(detectorId)) };
    },
    prefixes,
  );
  router.add(
    'POST',
    '/notes',
    async (req) => {
      const who = await req.auth(ROLES.people);
      const detectorId = detectorIdParam(req);
      const body = await readFormBody(req);
      if (body.fileParts.length > 0) {
        // Refused rather than dropped: the note would be stored without the picture its writer attached.
        throw new IntelliOpticsError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Notes with an attached file (${body.fileParts.join(', ')}) are not supported; send the text only.`,
        );
      }
      const fields = { ...body.fields };
      if ('is_pinned' in fields) fields.is_pinned = formBoolean(fields.is_pinned);
      await notes.create(detectorId, fields, who.id);
      return { status: 204 };
    },
    prefixes,
  );
}
