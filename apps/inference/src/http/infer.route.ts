/** POST /infer?detector_id=a[&detector_id=b] or ?detector_ids=a,b — body: raw image bytes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '@intellioptics/http';
import type { DetectorSpec } from '@intellioptics/schema';
import { detectorSpecFromQuery, IntelliOpticsError, inferResponse } from '@intellioptics/schema';
import type { InferService } from '../inference/infer.service';

export const MAX_DETECTORS_PER_REQUEST = 32;

export function detectorIdsFrom(query: URLSearchParams): string[] {
  const ids = [...query.getAll('detector_id'), ...query.getAll('detector_ids').flatMap((s) => s.split(','))]
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set(ids)];
}

/** The detector ids a request asks for; INVALID_PARAMETER (its body drained) when there are none or too many. */
export function requestedDetectorIds(req: IncomingMessage, query: URLSearchParams): string[] {
  const ids = detectorIdsFrom(query);
  if (ids.length === 0 || ids.length > MAX_DETECTORS_PER_REQUEST) {
    req.resume();
    throw new IntelliOpticsError(
      'INVALID_PARAMETER',
      ids.length === 0
        ? 'Add ?detector_id=<id> (repeat it, or use detector_ids=a,b, to ask several detectors).'
        : `At most ${MAX_DETECTORS_PER_REQUEST} detectors per request.`,
    );
  }
  return ids;
}

/**
 * The detector spec of the request (`mode=COUNT&class_name=person&max_count=10`), null when it has none;
 * INVALID_PARAMETER (body drained) when it is malformed or more than one detector is asked.
 */
export function requestedSpec(
  req: IncomingMessage,
  query: URLSearchParams,
  ids: string[],
): DetectorSpec | null {
  const r = detectorSpecFromQuery(query);
  const error = !r.ok
    ? r.error
    : r.spec && ids.length > 1
      ? 'mode, class_name, max_count, max_num_bboxes and value_max_length describe one detector: ask one detector_id, or write models/<id>/detector.json for each.'
      : null;
  if (error !== null) {
    req.resume();
    throw new IntelliOpticsError('INVALID_PARAMETER', error);
  }
  return r.ok ? r.spec : null;
}

export async function handleInfer(
  req: IncomingMessage,
  res: ServerResponse,
  ids: string[],
  spec: DetectorSpec | null,
  service: InferService,
  maxBodyBytes: number,
  started: number,
): Promise<void> {
  const body = await readBody(req, { limit: maxBodyBytes });
  const result = await service.infer(ids, body, started, spec);
  sendJson(res, 200, inferResponse(result.answers, result.timings_ms));
}
